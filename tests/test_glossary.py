"""The glossary: the article's Japanese console wording → English console label → API call."""

from __future__ import annotations

import functools

import re
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from labkit.course.curriculum import NOTEBOOKS
from labkit.course.glossary import GLOSSARY, glossary_table, lookup

CALL = re.compile(r"\b([a-z0-9]+)\.([a-z_]+)\b")


def test_the_articles_words_lead_to_the_calls_the_labs_make() -> None:
    assert lookup("アラームの作成").english == "Create alarm"
    assert lookup("アラームの作成").api == "cloudwatch.put_metric_alarm"
    assert lookup("メトリクスフィルターを作成").api == "logs.put_metric_filter"
    assert lookup("ロールの作成").api == "iam.create_role"
    assert lookup("証跡").api.startswith("cloudtrail.create_trail")
    assert lookup("サブスクリプション").api == "sns.subscribe"


def test_lookup_by_part_and_its_failures() -> None:
    assert lookup("信頼されたエンティティ").notebook == "03"
    with pytest.raises(KeyError, match="not in the glossary"):
        lookup("存在しない")
    with pytest.raises(KeyError, match="several entries"):
        lookup("作成")


@pytest.fixture
def article(shared_file: Callable[[str], Path]) -> str:
    """The Japanese article the kit is built from (../shared/seed, a cross-check only)."""
    return shared_file("seed/article-ja.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("term", [t for t in GLOSSARY if t.in_article], ids=lambda t: t.japanese)
def test_words_marked_as_the_articles_are_in_the_article(term, article: str) -> None:  # type: ignore[no-untyped-def]
    quoted = re.search(r"the article: (.+?)(?: \(|;|$)", term.note)
    assert term.japanese in article or (quoted and quoted.group(1) in article), term


@functools.cache
def _client_methods(service: str) -> frozenset[str]:
    """The boto3 client methods of ``service`` (each service's model read once for all the terms)."""
    return frozenset(_SESSION.client(service).meta.method_to_api_mapping)


_SESSION = boto3.Session(region_name="ap-northeast-1", aws_access_key_id="x", aws_secret_access_key="x")


@pytest.mark.parametrize("term", GLOSSARY, ids=lambda t: t.japanese)
def test_every_api_name_is_a_real_boto3_operation(term) -> None:  # type: ignore[no-untyped-def]
    calls = [(s, op) for s, op in CALL.findall(term.api) if s in _SESSION.get_available_services()]
    assert calls, f"{term.api} names no boto3 client call"
    for service, operation in calls:
        assert operation in _client_methods(service), f"{service}.{operation}"
    assert term.notebook in NOTEBOOKS


def test_the_table_view() -> None:
    table = glossary_table()
    assert len(table) == len(GLOSSARY)
    assert list(table.columns[:3]) == ["Japanese (article)", "English console", "API"]
    assert set(glossary_table("05")["notebook"]) == {"05"}
