"""The CloudWatch alarm engine's pure parts: evaluation, statistics, validation, notifications.

Taught in notebook 02-cpu-alarm. moto stores alarms but never evaluates them, accepts settings
CloudWatch rejects and sends no notifications; these functions do what CloudWatch does, following
the CloudWatch User Guide ("Using Amazon CloudWatch alarms",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html) and the
PutMetricAlarm API reference. The emulator wires them to the lab clock.

``backtest`` (numpy and pandas) is imported on first use, so importing labkit stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.aws.alarms.evaluation import evaluate, evaluate_periods, evaluated_state, evaluation_range, state_rule
from labkit.aws.alarms.notification import (
    REGION_NAMES,
    alarm_notification,
    alarm_state_change_event,
    email_body,
    state_reason,
)
from labkit.aws.alarms.statistics import period_statistics, period_values
from labkit.aws.alarms.validation import validate_put_metric_alarm

if TYPE_CHECKING:
    from labkit.aws.alarms.backtest import backtest

__all__ = [
    "REGION_NAMES",
    "alarm_notification",
    "alarm_state_change_event",
    "backtest",
    "email_body",
    "evaluate",
    "evaluate_periods",
    "evaluated_state",
    "evaluation_range",
    "period_statistics",
    "period_values",
    "state_reason",
    "state_rule",
    "validate_put_metric_alarm",
]


def __getattr__(name: str) -> Any:
    if name == "backtest":
        from labkit.aws.alarms.backtest import backtest as function

        # Importing the submodule bound the name to the module; the API name is the function.
        globals()["backtest"] = function
        return function
    raise AttributeError(f"module 'labkit.aws.alarms' has no attribute {name!r}")
