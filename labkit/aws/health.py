"""AWS Health events: what AWS tells you about its own incidents (the article's "AWS側の障害").

An AWS Health event reaches EventBridge in the documented "AWS Health Event" shape ("Reference:
AWS Health events Amazon EventBridge schema",
https://docs.aws.amazon.com/health/latest/ug/aws-health-events-eventbridge-schema.html): source
``aws.health``, detail ``eventArn``, ``service``, ``eventTypeCode`` (``AWS_EC2_OPERATIONAL_ISSUE``),
``eventTypeCategory`` (``issue``, ``accountNotification``, ``scheduledChange``, ``investigation``),
``eventScopeCode``, ``communicationId``, ``startTime``, ``lastUpdatedTime``, ``statusCode``,
``eventRegion``, ``eventDescription`` ([{``language``, ``latestDescription``}]) and
``affectedEntities``. Receiving them with an EventBridge rule needs no support plan; the Health
*API* (``health.describe_events`` …) does: "you must have a Business, Enterprise On-Ramp, or
Enterprise Support plan … If you call the AWS Health API from an account that doesn't have [one],
you receive a SubscriptionRequiredException error" (AWS Health API reference,
https://docs.aws.amazon.com/health/latest/APIReference/Welcome.html). The offline lab account has
the Basic plan, so the emulator answers the API with that error.

Guesses, said plainly: the detail's times are written like the page's samples
("Wed, 03 Jun 2026 09:00:00 GMT"); the event ARN's id part is a UUID.
Taught in notebook 06-cloudtrail-eventbridge-health.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from labkit.exceptions import InvalidParameter

DETAIL_TYPE = "AWS Health Event"
SOURCE = "aws.health"
CATEGORIES = ("issue", "accountNotification", "scheduledChange", "investigation")
_HTTP_TIME = "%a, %d %b %Y %H:%M:%S GMT"


def health_detail(
    *,
    service: str,
    event_type_code: str,
    category: str,
    region: str,
    account: str,
    start: dt.datetime,
    description: str,
    entities: list[str],
    status: str = "open",
    scope: str = "ACCOUNT_SPECIFIC",
    event_id: str | None = None,
) -> dict[str, Any]:
    """The ``detail`` of an AWS Health event (schema page, "detail" parameter table)."""
    if category not in CATEGORIES:
        raise InvalidParameter(f"eventTypeCategory must be one of {', '.join(CATEGORIES)}")
    ident = event_id or f"{event_type_code}_{uuid.uuid4()}"
    arn = f"arn:aws:health:{region}::event/{service}/{event_type_code}/{ident}"
    when = start.astimezone(dt.timezone.utc).strftime(_HTTP_TIME)
    detail: dict[str, Any] = {
        "eventArn": arn,
        "service": service,
        "eventTypeCode": event_type_code,
        "eventTypeCategory": category,
        "eventScopeCode": scope,
        "communicationId": f"{uuid.uuid4().hex}-1",
        "startTime": when,
        "lastUpdatedTime": when,
        "statusCode": status,
        "eventRegion": region,
        "eventDescription": [{"language": "en_US", "latestDescription": description}],
        "affectedEntities": [{"entityValue": entity} for entity in entities],
    }
    if scope == "ACCOUNT_SPECIFIC":
        detail["affectedAccount"] = account
    return detail
