"""RunInstances with a ``ClientToken`` launches once, as EC2 documents; moto launches again.

"If you retry a successfully completed request using the same client token and the same parameters, the
retry succeeds without performing any further actions"; the same token with other parameters fails with
``IdempotentParameterMismatch`` ("Ensuring idempotency in Amazon EC2 API requests",
https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html). This plugin answers such a
retry with the first launch's reservation, as it is now. ``labkit.lesson.ec2.launch`` passes a token, so a
notebook's launch cell (notebooks 01 and 02, Step 1) can run twice and still watch one instance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.exceptions import ServiceError

if TYPE_CHECKING:
    from labkit.emulator.core import Call, Emulator


class Ec2Idempotency:
    """Remembers the parameters of each token's launch (one lab's)."""

    def __init__(self) -> None:
        self.launches: dict[str, dict[str, Any]] = {}

    def run_instances(self, call: Call) -> dict[str, Any] | None:
        token = call.params.get("ClientToken")
        if not token:
            return None
        params = {k: v for k, v in call.params.items() if k != "ClientToken"}
        first = self.launches.get(token)
        if first is None:
            return None
        if first != params:
            raise ServiceError(
                "IdempotentParameterMismatch",
                "The client token you have provided is associated with a resource that has different parameters.",
            )
        for page in call.internal("ec2").get_paginator("describe_instances").paginate():
            for reservation in page["Reservations"]:
                if any(i.get("ClientToken") == token for i in reservation["Instances"]):
                    return {
                        k: reservation[k]
                        for k in ("ReservationId", "OwnerId", "Groups", "Instances")
                        if k in reservation
                    }
        return None  # the instances are gone from describe_instances: launch again

    def launched(self, call: Call, reply: dict[str, Any]) -> None:
        token = call.params.get("ClientToken")
        if token and token not in self.launches:
            self.launches[token] = {k: v for k, v in call.params.items() if k != "ClientToken"}


def install(emulator: Emulator) -> Ec2Idempotency:
    """Register RunInstances idempotency on ``emulator``."""
    plugin = Ec2Idempotency()
    emulator.answers("ec2", "RunInstances")(plugin.run_instances)
    emulator.observes("ec2", "RunInstances")(plugin.launched)
    return plugin
