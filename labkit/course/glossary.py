"""From the article's Japanese console wording to the English console and the boto3 call.

The article walks through the AWS Management Console in Japanese (アラーム > アラームの作成 >
メトリクスの選択 …); the labs make the same moves with boto3. This table links the three, so a
learner can follow the article, an English console and a notebook side by side::

    from labkit.course.glossary import lookup, glossary_table
    lookup("アラームの作成").api          # 'cloudwatch.put_metric_alarm'
    glossary_table()                      # every entry as a DataFrame

``in_article`` marks the words the article itself uses (where the article paraphrases the console,
``japanese`` is the article's wording and ``note`` says so). The console labels are the console's
wording as we know it; consoles are redesigned from time to time, so a label may have moved or
changed — the API names do not. Shown in notebook 00-setup-and-monitoring-types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labkit.exceptions import NotFound
from labkit.i18n import _


@dataclass(frozen=True)
class Term:
    """One console word: the Japanese wording, the English console label, and the API behind it."""

    japanese: str
    english: str
    api: str
    notebook: str
    in_article: bool = True
    note: str = ""


GLOSSARY: tuple[Term, ...] = (
    Term("メトリクス > 検索", "Metrics > Browse (search)", "cloudwatch.list_metrics", "01"),
    Term(
        "CPU使用率",
        "CPUUtilization",
        "cloudwatch.get_metric_data (MetricName='CPUUtilization')",
        "01",
        note="the metric's name is the same in every language",
    ),
    Term("詳細モニタリング", "Detailed monitoring", "ec2.monitor_instances", "01", in_article=False),
    Term("アラーム", "Alarms", "cloudwatch.describe_alarms", "02"),
    Term("アラームの作成", "Create alarm", "cloudwatch.put_metric_alarm", "02"),
    Term("メトリクスの選択", "Select metric", "cloudwatch.put_metric_alarm (Namespace, MetricName, Dimensions)", "02"),
    Term(
        "5分間平均",
        "Statistic: Average, Period: 5 minutes",
        "cloudwatch.put_metric_alarm(Statistic='Average', Period=300)",
        "02",
    ),
    Term(
        "80%よりも大きい",
        "Greater > threshold 80",
        "cloudwatch.put_metric_alarm(ComparisonOperator='GreaterThanThreshold', Threshold=80)",
        "02",
        note="the console says 'より大きい' (greater than); the article adds the 80%",
    ),
    Term("トピック", "Topic", "sns.create_topic", "02"),
    Term(
        "新しいトピックの作成",
        "Create new topic",
        "sns.create_topic",
        "02",
        note="the article: 今回用のトピックを作成する (from the alarm wizard)",
    ),
    Term("サブスクリプション", "Subscription", "sns.subscribe", "02", note="the article: サブスクライブ (subscribe)"),
    Term(
        "サブスクリプションの確認",
        "Confirm subscription",
        "sns.confirm_subscription",
        "02",
        note="the article: 届いたmailを確認 (check the mail that arrived)",
    ),
    Term("ポリシーの作成", "Create policy", "iam.create_policy", "03", note="the article: ポリシー作成"),
    Term("ロール", "Roles", "iam.list_roles", "03"),
    Term("ロールの作成", "Create role", "iam.create_role", "03"),
    Term(
        "信頼されたエンティティ: EC2",
        "Trusted entity: AWS service, EC2",
        "iam.create_role(AssumeRolePolicyDocument=<a trust policy for the EC2 service principal>)",
        "03",
        note="the article: ロールの作成でEC2を選択; the principal is ec2.amazonaws.com, and the console also "
        "creates the instance profile",
    ),
    Term(
        "インスタンスプロファイル",
        "Instance profile",
        "iam.create_instance_profile, iam.add_role_to_instance_profile",
        "03",
        in_article=False,
        note="made for you by the console when the role is for EC2",
    ),
    Term(
        "IAM ロールを変更",
        "Modify IAM role",
        "ec2.associate_iam_instance_profile",
        "03",
        note="the article: アクションからRole適用 (apply the role from Actions)",
    ),
    Term("ロググループ", "Log groups", "logs.create_log_group, logs.describe_log_groups", "04"),
    Term("ログストリーム", "Log streams", "logs.describe_log_streams", "04", in_article=False),
    Term("保持期間", "Retention", "logs.put_retention_policy", "04", in_article=False),
    Term("メトリクスフィルター", "Metric filters", "logs.describe_metric_filters", "05"),
    Term("メトリクスフィルターを作成", "Create metric filter", "logs.put_metric_filter", "05"),
    Term(
        "フィルターパターン",
        "Filter pattern",
        "logs.put_metric_filter(filterPattern='\"[preauth]\"'), logs.test_metric_filter",
        "05",
        note='the article: "[preauth]"というワードでフィルタ',
    ),
    Term("アラームを作成", "Create alarm (from the metric filter)", "cloudwatch.put_metric_alarm", "05"),
    Term(
        "証跡",
        "Trails",
        "cloudtrail.create_trail, cloudtrail.start_logging",
        "06",
        note="the article: ログ証跡 (the log trail CloudTrail keeps)",
    ),
    Term("イベント履歴", "Event history", "cloudtrail.lookup_events", "06", in_article=False),
    Term("ルール (EventBridge)", "Rules", "events.put_rule, events.put_targets", "06", in_article=False),
    Term(
        "設定変更の監視 (Config)",
        "AWS Config rules",
        "config.put_config_rule",
        "06b",
        note="the article: 指定したAWSリソースの設定変更などを監視",
    ),
    Term(
        "GuardDuty の有効化",
        "Enable GuardDuty",
        "guardduty.create_detector",
        "06b",
        note="the article: 有効化するだけで使用可能",
    ),
    Term("結果 (GuardDuty)", "Findings", "guardduty.list_findings, guardduty.get_findings", "06b", in_article=False),
    Term(
        "予算の作成",
        "Create budget",
        "budgets.create_budget",
        "06b",
        in_article=False,
        note="the article: 予算を超えそうならば通知",
    ),
    Term("ステータスチェック", "Status checks", "ec2.describe_instance_status", "07", in_article=False),
    Term(
        "ヘルスチェックの作成",
        "Create health check",
        "route53.create_health_check",
        "07",
        in_article=False,
        note="the article's 外形監視 (monitoring from outside)",
    ),
    Term("ダッシュボードの作成", "Create dashboard", "cloudwatch.put_dashboard", "07", in_article=False),
)


def lookup(japanese: str) -> Term:
    """The entry for ``japanese`` (exact wording first, else the one entry that contains it)."""
    exact = [term for term in GLOSSARY if term.japanese == japanese]
    if exact:
        return exact[0]
    partial = [term for term in GLOSSARY if japanese in term.japanese]
    if len(partial) == 1:
        return partial[0]
    if not partial:
        raise NotFound(_("{term!r} is not in the glossary").format(term=japanese))
    raise NotFound(
        _("{term!r} matches several entries: {entries}").format(
            term=japanese, entries=", ".join(t.japanese for t in partial)
        )
    )


def glossary_table(notebook: str | None = None) -> Any:
    """The glossary as a pandas DataFrame (only ``notebook``'s entries if given)."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "Japanese (article)": t.japanese,
                "English console": t.english,
                "API": t.api,
                "notebook": t.notebook,
                "in the article": "yes" if t.in_article else "",
                "note": t.note,
            }
            for t in GLOSSARY
            if notebook is None or t.notebook == notebook
        ]
    )
