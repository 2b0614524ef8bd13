"""Notebook 09-alarms-that-scale-and-stay-quiet: its manifest (:class:`labkit.course.manifest.Manifest`)."""

from __future__ import annotations

from labkit.course.exam import question
from labkit.course.manifest import Manifest
from labkit.i18n import N_

MANIFEST = Manifest(
    number="09",
    slug="alarms-that-scale-and-stay-quiet",
    title="Alarms that scale, alarms that stay quiet",
    title_ja="スケールするアラーム、静かなアラーム",
    teaches=(
        "an error-rate alarm with metric math and a p99 latency alarm; composite alarms that page once and stay "
        "quiet during a deployment; an anomaly detection band compared with a static threshold; EC2 Auto Scaling "
        "driven by alarms: target tracking and step scaling"
    ),
    minutes=65,
    differences=(
        (
            N_(
                "The anomaly detection band is labkit's model (labkit.aws.anomaly), not AWS's, which is not "
                "published: the mean and spread of the training data in hour-of-day or hour-of-week slots, retrained "
                "every hour on the two weeks before. It follows AWS's documented rules (two weeks of training, up to 15 "
                "minutes before the first band, no band below zero for a non-negative metric), but on AWS the band's "
                "numbers, and so the alarm's decisions near its edge, will differ."
            )
        ),
        (
            N_(
                "The load balancer is simulated (notebook 07): only its metrics exist, and its incidents are "
                "scripted by the notebook. Composite alarms' ActionsSuppressor, wait and extension periods run on the "
                "lab clock; on AWS the same settings take the same minutes of real time."
            )
        ),
        (
            N_(
                "The backtest table replays alarms once per 5-minute period on period-aligned data; alarms themselves "
                "(offline as on AWS) are evaluated every minute over a sliding window, so a real alarm can fire a few "
                "minutes sooner than the table shows (as in notebook 02)."
            )
        ),
        (
            N_(
                "Auto Scaling offline: instances are InService the minute they launch (on AWS a minute or two later), "
                "and the group's load is spread evenly over its instances (labkit's model of a load balancer). The "
                "target tracking alarms' shape (3 of 3 one-minute periods above the target, 15 of 15 below 90 % of it) "
                "is what AWS accounts show, not documented; how much target tracking adds or removes is labkit's reading "
                'of "proportional to the metric". An alarm with a scaling action invokes its policy again each lab '
                "minute it stays in ALARM. A scale-in terminates the instances the group's termination policies choose; "
                "where AWS picks one at random among equals, the lab draws from a seeded generator, the same on every "
                "run. Scheduled and predictive scaling, lifecycle hooks, warm pools and the AllocationStrategy, "
                "OldestLaunchConfiguration and custom (Lambda) termination policies are refused."
            )
        ),
        (
            N_(
                "Alarm mute rules (put_alarm_mute_rule) are emulated on the lab clock: a muted alarm still changes state, "
                "and its muted actions run when the window ends only if it is still in that state. AWS's pages do not say "
                "what the alarm history records for a muted action; offline it records nothing, and a window ends at the "
                "first lab minute at or after its end."
            )
        ),
    ),
    questions=(
        question(
            N_(
                "An Application Load Balancer serves between 100 and 100,000 requests a minute. The operations team must be "
                "alerted when more than 5 % of requests fail with a 5XX error from the targets, at any traffic level. "
                "What should a solutions architect configure?"
            ),
            (
                N_("An alarm on the Sum of HTTPCode_Target_5XX_Count above 500 per minute"),
                N_("An alarm on a metric math expression dividing HTTPCode_Target_5XX_Count by RequestCount"),
                N_("An alarm on the Average of TargetResponseTime above 1 second"),
                N_("An alarm on UnHealthyHostCount above 0"),
            ),
            "B",
            N_(
                "A fixed count means different things at different traffic levels; a metric math expression turns the two "
                "metrics into an error rate, and an alarm can watch the expression."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html",
        ),
        question(
            N_(
                "On-call engineers are paged several times for one incident: the CPU alarm, the URL check alarm and the "
                "error-rate alarm all notify separately, and a busy CPU alone is usually harmless. How can the pages be "
                "reduced to one that matters, with the least effort?"
            ),
            (
                N_("Raise every alarm's threshold"),
                N_(
                    "Remove the actions of the individual alarms and create a composite alarm whose rule combines their "
                    "states with AND, and which notifies"
                ),
                N_("Send each alarm to a different SNS topic"),
                N_("Replace the alarms with an EventBridge rule on every alarm state change"),
            ),
            "B",
            N_(
                "A composite alarm evaluates a rule over other alarms' states, so only the combination that matters "
                "notifies; the child alarms keep changing state without actions of their own."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html",
        ),
        question(
            N_(
                "Every deployment restarts the application, so a composite alarm pages during each release. The page must "
                "stay quiet while a deployment runs and for a few minutes after, yet still fire for problems that last. "
                "What should be configured?"
            ),
            (
                N_("Disable the alarm actions before each deployment and enable them manually after it"),
                N_("Delete and re-create the composite alarm after each deployment"),
                N_(
                    "Set the composite alarm's ActionsSuppressor to an alarm that is in ALARM during deployments, with an "
                    "extension period"
                ),
                N_("Change TreatMissingData to ignore on the child alarms"),
            ),
            "C",
            N_(
                "A suppressor alarm stops a composite alarm's actions while it is in ALARM; the extension period keeps "
                "them suppressed after it returns to OK, and actions still run if the composite alarm is in ALARM after."
            ),
            "2.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-suppression.html",
        ),
        question(
            N_(
                "A server's CPU follows a daily pattern: 10 % at night, 60 % in the afternoon. A static threshold of 80 % "
                "misses problems that raise the night-time CPU to 50 %. Which alarm adapts to the pattern with the least "
                "operational overhead?"
            ),
            (
                N_("A CloudWatch anomaly detection alarm on CPUUtilization"),
                N_("Two alarms with different thresholds, switched by a scheduled Lambda function"),
                N_("An alarm on the Maximum statistic instead of the Average"),
                N_("A larger instance type, so that the CPU stays low"),
            ),
            "A",
            N_(
                "Anomaly detection trains a model on up to two weeks of the metric, including daily and weekly patterns, "
                "and the alarm fires when the metric leaves the expected band."
            ),
            "3.2",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Anomaly_Detection.html",
        ),
        question(
            N_(
                "A web application runs on EC2 instances in an Auto Scaling group behind an Application Load Balancer. "
                "Traffic rises and falls unpredictably during the day, and the instances' average CPU utilization "
                "should stay near 50 %. Which scaling configuration meets this with the least operational overhead?"
            ),
            (
                N_("A target tracking scaling policy on ASGAverageCPUUtilization with a target value of 50"),
                N_("A scheduled scaling action that adds instances every morning"),
                N_("A simple scaling policy with a CloudWatch alarm at 50 % and a 300-second cooldown"),
                N_(
                    "A CloudWatch alarm on CPUUtilization that emails the operations team to change the desired capacity"
                ),
            ),
            "A",
            N_(
                "Target tracking creates and manages the CloudWatch alarms itself and adds or removes capacity to keep "
                "the metric near the target; scheduled actions do not follow unpredictable load, and a simple policy "
                "waits for its cooldown after every activity."
            ),
            "3.2",
            "https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html",
        ),
    ),
    monitoring=("Resource",),
)
