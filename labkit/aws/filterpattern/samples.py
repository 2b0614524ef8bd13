"""Realistic OpenSSH ``sshd`` lines from ``/var/log/secure``, seeded, for tests and benchmarks.

Taught in notebook 05-ssh-failure-metric-filter: these are the lines the lab's metric filter
counts. ``SSHD_EXAMPLES`` has one line of every kind (``lint`` checks terms against them);
``sshd_lines`` and ``sshd_json_events`` generate as many as asked, the same ones for a seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

#: One line of every kind the generator writes, as sshd logs them (note the two casings of
#: "invalid user": "Invalid user admin from" but "Failed password for invalid user oracle").
SSHD_EXAMPLES: tuple[str, ...] = (
    "Nov 26 10:15:01 ip-10-0-0-229 sshd[2817]: Invalid user admin from 203.0.113.9 port 40022",
    "Nov 26 10:15:03 ip-10-0-0-229 sshd[2817]: Failed password for invalid user oracle from 192.0.2.44 port 51822 ssh2",
    "Nov 26 10:15:04 ip-10-0-0-229 sshd[2820]: Failed password for root from 198.51.100.7 port 50122 ssh2",
    "Nov 26 10:15:05 ip-10-0-0-229 sshd[2817]: Connection closed by invalid user oracle 192.0.2.44 port 51822 [preauth]",
    "Nov 26 10:15:06 ip-10-0-0-229 sshd[2821]: Connection closed by 198.51.100.23 port 51122 [preauth]",
    "Nov 26 10:15:07 ip-10-0-0-229 sshd[2822]: Disconnected from authenticating user root 198.51.100.7 port 50122 [preauth]",
    "Nov 26 10:15:08 ip-10-0-0-229 sshd[2823]: Received disconnect from 203.0.113.9 port 40022:11: Bye Bye [preauth]",
    "Nov 26 10:15:09 ip-10-0-0-229 sshd[2824]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
    "tty=ssh ruser= rhost=192.0.2.44  user=root",
    "Nov 26 10:15:10 ip-10-0-0-229 sshd[2825]: error: maximum authentication attempts exceeded for root from "
    "198.51.100.7 port 50122 ssh2 [preauth]",
    "Nov 26 10:15:11 ip-10-0-0-229 sshd[2826]: Accepted publickey for ec2-user from 10.0.0.5 port 53211 ssh2: "
    "RSA SHA256:Vc2tn6Sx2jZ1D0Xq4Zf8mF3u7dJ1sT2yQ9bL5nH0aWk",
    "Nov 26 10:15:11 ip-10-0-0-229 sshd[2826]: pam_unix(sshd:session): session opened for user ec2-user by (uid=0)",
    "Nov 26 10:15:12 ip-10-0-0-229 sshd[2827]: Did not receive identification string from 203.0.113.50 port 61000",
)

_USERS = ("admin", "oracle", "test", "ubuntu", "postgres", "git", "user", "pi", "ftpuser", "guest")
_ATTACKERS = ("203.0.113.9", "192.0.2.44", "198.51.100.7", "198.51.100.23", "203.0.113.50", "192.0.2.101")
_MONTHS = ("Nov", "Dec")


def sshd_lines(count: int, seed: int = 5) -> Iterator[str]:
    """``count`` syslog sshd lines: mostly failed logins, some accepted ones and session noise."""
    rng = random.Random(seed)
    choice, randint = rng.choice, rng.randint
    for n in range(count):
        day = 1 + (n // 86400) % 28
        second = n % 86400
        month = _MONTHS[(n // (86400 * 28)) % 2]
        stamp = f"{month} {day:2d} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        head = f"{stamp} ip-10-0-0-229 sshd[{randint(1000, 32000)}]: "
        ip = choice(_ATTACKERS)
        port = randint(1024, 65535)
        kind = randint(0, 99)
        if kind < 25:
            body = f"Invalid user {choice(_USERS)} from {ip} port {port}"
        elif kind < 50:
            body = f"Failed password for invalid user {choice(_USERS)} from {ip} port {port} ssh2"
        elif kind < 62:
            body = f"Failed password for root from {ip} port {port} ssh2"
        elif kind < 80:
            body = f"Connection closed by {ip} port {port} [preauth]"
        elif kind < 88:
            body = f"Received disconnect from {ip} port {port}:11: Bye Bye [preauth]"
        elif kind < 94:
            body = f"Accepted publickey for ec2-user from 10.0.0.{randint(2, 250)} port {port} ssh2"
        else:
            body = "pam_unix(sshd:session): session opened for user ec2-user by (uid=0)"
        yield head + body


def sshd_json_events(count: int, seed: int = 5) -> Iterator[str]:
    """The same events as JSON log lines (as a log shipper that parses syslog would send them)."""
    rng = random.Random(seed)
    choice, randint = rng.choice, rng.randint
    for n in range(count):
        kind = randint(0, 99)
        event: dict[str, object] = {
            "timestamp": 1764151200000 + n * 1000,
            "host": "ip-10-0-0-229",
            "program": "sshd",
            "pid": randint(1000, 32000),
            "srcIp": choice(_ATTACKERS),
            "port": randint(1024, 65535),
        }
        if kind < 50:
            event.update(event="failed_password", user=choice(_USERS), invalidUser=kind < 25)
        elif kind < 62:
            event.update(event="failed_password", user="root", invalidUser=False)
        elif kind < 90:
            event.update(event="connection_closed", user=None, preauth=True)
        else:
            event.update(event="accepted_publickey", user="ec2-user", latencyMs=randint(5, 900))
        yield json.dumps(event, separators=(",", ":"))
