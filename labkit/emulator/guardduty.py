"""GuardDuty findings offline: sample findings, finding queries, and the "GuardDuty Finding" event.

moto creates detectors but has no findings: ``CreateSampleFindings``, ``ListFindings`` and
``GetFindings`` are not implemented. This plugin keeps each detector's findings (built by
:mod:`labkit.aws.guardduty` in the documented format) and answers:

* ``CreateSampleFindings`` — one sample finding per requested type (API reference,
  https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateSampleFindings.html); the
  findings carry ``additionalInfo.sample = true`` and GuardDuty's placeholder instance, like AWS's
  samples. With no ``FindingTypes`` AWS makes one of *every* type; offline, one of each type in
  :data:`labkit.aws.guardduty.FINDING_TYPES`.
* ``ListFindings`` with ``FindingCriteria`` and ``SortCriteria``
  (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListFindings.html, at most 50 ids a page).
* ``GetFindings`` (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetFindings.html).
* ``CreateDetector`` refuses a second detector in a region, as AWS does: one detector per account
  per Region (API_CreateDetector: "only one detector per account per Region";
  https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html).

Every new finding is sent to EventBridge as a "GuardDuty Finding" event at once; a repeat of the
same activity updates the finding's ``count`` and is sent again only after the detector's
``FindingPublishingFrequency`` (default six hours) — "Understanding GuardDuty finding notification
frequency" in https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html.

Taught in notebook 06b-config-guardduty-budgets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from labkit.aws import guardduty
from labkit.emulator.events import Events
from labkit.exceptions import ConfigurationError, ServiceError

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator

PAGE = 50
FREQUENCY = {"FIFTEEN_MINUTES": 15, "ONE_HOUR": 60, "SIX_HOURS": 360}


@dataclass
class _Stored:
    finding: dict[str, Any]
    published_at: dt.datetime | None = None


@dataclass
class _Detector:
    findings: dict[str, _Stored] = field(default_factory=dict)
    created: int = 0


class GuardDuty:
    """The plugin's state: findings per detector, and every event sent."""

    requires = (Events,)

    def __init__(self, emulator: Emulator) -> None:
        self.events_plugin = emulator.plugin(Events)
        self.lab = emulator.lab
        self.detectors: dict[str, _Detector] = {}
        self.events: list[dict[str, Any]] = []

    def _client(self, region: str | None = None) -> Any:
        return self.lab.internal_client("guardduty", region)

    def _detector(self, detector_id: str, region: str | None = None) -> _Detector:
        if detector_id not in self._client(region).list_detectors()["DetectorIds"]:
            raise ServiceError(
                "BadRequestException",
                "The request is rejected because the input detectorId is not owned by the current account.",
            )
        return self.detectors.setdefault(detector_id, _Detector())

    # -- answers --------------------------------------------------------------------------------
    def create_detector(self, call: Call) -> None:
        if call.internal().list_detectors()["DetectorIds"]:
            raise ServiceError(
                "BadRequestException",
                "The request is rejected because a detector already exists for the current account.",
            )
        return None

    def deleted_detector(self, call: Call, reply: dict[str, Any]) -> None:
        self.detectors.pop(call.params["DetectorId"], None)

    def create_sample_findings(self, call: Call) -> dict[str, Any]:
        detector_id = call.params["DetectorId"]
        detector = self._detector(detector_id, call.region)
        names = call.params.get("FindingTypes") or list(guardduty.FINDING_TYPES)
        unknown = [n for n in names if n not in guardduty.FINDING_TYPES]
        if unknown:
            raise ServiceError(
                "BadRequestException",
                f"The request is rejected because an invalid or out-of-range value is specified as an input parameter: {unknown[0]} (offline the lab knows {', '.join(guardduty.FINDING_TYPES)})",
            )
        now = self.lab.clock.now()
        for name in names:
            detector.created += 1
            ident = guardduty.finding_id(detector_id, name, "sample", detector.created)
            finding = guardduty.build_finding(
                kind=guardduty.FINDING_TYPES[name],
                account_id=self.lab.account_id,
                region=call.region or self.lab.region,
                detector_id=detector_id,
                instance=guardduty.sample_instance(),
                attacker_ip="198.51.100.0",
                when=now,
                sample=True,
                ident=ident,
            )
            self._store(detector, finding, now)
        return {}

    def list_findings(self, call: Call) -> dict[str, Any]:
        detector = self._detector(call.params["DetectorId"], call.region)
        chosen = [
            s.finding
            for s in detector.findings.values()
            if guardduty.matches_criteria(s.finding, call.params.get("FindingCriteria"))
        ]
        sort = call.params.get("SortCriteria")
        if sort:
            path = sort["AttributeName"]
            chosen.sort(key=lambda f: _sort_key(f, path), reverse=sort.get("OrderBy") == "DESC")
        start = int(call.params.get("NextToken") or 0)
        size = min(int(call.params.get("MaxResults") or PAGE), PAGE)
        page = chosen[start : start + size]
        reply: dict[str, Any] = {"FindingIds": [f["id"] for f in page]}
        reply["NextToken"] = str(start + size) if start + size < len(chosen) else ""
        return reply

    def get_findings(self, call: Call) -> dict[str, Any]:
        detector = self._detector(call.params["DetectorId"], call.region)
        found = [detector.findings[i].finding for i in call.params["FindingIds"] if i in detector.findings]
        sort = call.params.get("SortCriteria")
        if sort:
            found.sort(key=lambda f: _sort_key(f, sort["AttributeName"]), reverse=sort.get("OrderBy") == "DESC")
        return {"Findings": [guardduty.to_api(f) for f in found]}

    # -- findings and events --------------------------------------------------------------------
    def _store(self, detector: _Detector, finding: dict[str, Any], now: dt.datetime) -> None:
        stored = _Stored(finding)
        detector.findings[finding["id"]] = stored
        self._publish(stored, now)

    def _publish(self, stored: _Stored, now: dt.datetime) -> None:
        stored.published_at = now
        self.events.append(stored.finding)
        self.events_plugin.emit(
            guardduty.SOURCE, guardduty.DETAIL_TYPE, stored.finding, resources=[], region=stored.finding["region"]
        )

    def brute_force(self, instance_id: str, source_ip: str, attempts: int) -> dict[str, Any]:
        """Record an inbound SSH brute force on ``instance_id`` (see :func:`labkit.lesson.simulate.simulate_ssh_brute_force`)."""
        client = self._client()
        detectors = client.list_detectors()["DetectorIds"]
        if not detectors:
            raise ConfigurationError(
                "GuardDuty is not enabled in this region: call guardduty.create_detector(Enable=True) first"
            )
        detector_id = detectors[0]
        detector = self._detector(detector_id)
        now = self.lab.clock.now()
        reservations = self.lab.internal_client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"]
        instance = reservations[0]["Instances"][0]
        ident = guardduty.finding_id(detector_id, guardduty.SSH_BRUTE_FORCE, instance_id, source_ip)
        stored = detector.findings.get(ident)
        if stored is None:
            finding = guardduty.build_finding(
                kind=guardduty.FINDING_TYPES[guardduty.SSH_BRUTE_FORCE],
                account_id=self.lab.account_id,
                region=self.lab.region,
                detector_id=detector_id,
                instance=guardduty.instance_details(instance),
                attacker_ip=source_ip,
                when=now,
                sample=False,
                ident=ident,
            )
            finding["service"]["count"] = attempts
            self._store(detector, finding, now)
            return finding
        # The same activity again: GuardDuty aggregates it into the existing finding.
        stored.finding["service"]["count"] += attempts
        stored.finding["service"]["eventLastSeen"] = guardduty.iso(now)
        stored.finding["updatedAt"] = guardduty.iso(now)
        frequency = client.get_detector(DetectorId=detector_id).get("FindingPublishingFrequency") or "SIX_HOURS"
        due = stored.published_at is None or now - stored.published_at >= dt.timedelta(
            minutes=FREQUENCY.get(frequency, 360)
        )
        if due:
            self._publish(stored, now)
        return stored.finding


def _sort_key(finding: dict[str, Any], path: str) -> Any:
    values = guardduty.finding_values(finding, path)
    return values[0] if values else ""


def install(emulator: Emulator) -> GuardDuty:
    """Register GuardDuty findings on ``emulator``."""
    plugin = GuardDuty(emulator)
    emulator.answers("guardduty", "CreateDetector")(plugin.create_detector)
    emulator.observes("guardduty", "DeleteDetector")(plugin.deleted_detector)
    emulator.answers("guardduty", "CreateSampleFindings")(plugin.create_sample_findings)
    emulator.answers("guardduty", "ListFindings")(plugin.list_findings)
    emulator.answers("guardduty", "GetFindings")(plugin.get_findings)
    return plugin
