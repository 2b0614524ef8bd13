"""Throughput of labkit's filter-pattern engine over generated sshd ``/var/log/secure`` lines.

Taught in notebook 05-ssh-failure-metric-filter (the figures go in the README).

Prints events per second for a quoted term, an OR group, a space-delimited pattern with
conditions and a JSON pattern over JSON events, next to a plain Python substring loop over the
same lines; then ``FilterLogEvents`` through labkit's emulator against moto's own matcher
(``moto.mock_aws``) on the same log group. Run:

    python benchmarks/bench_filterpattern.py            # 1,000,000 events
    python benchmarks/bench_filterpattern.py --events 100000

Targets: term patterns at least 1/3 of the substring loop; space-delimited >= 500k events/s;
JSON >= 150k events/s; the emulated FilterLogEvents at least as fast as moto's.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))  # run from a checkout

from labkit.aws.filterpattern import compile
from labkit.aws.filterpattern.samples import sshd_json_events, sshd_lines

PATTERNS = {
    "quoted term": '"Failed password"',
    "OR group": '?"Invalid user" ?"invalid user"',
    "space-delimited": "[month, day, time, host, process, status = Failed, method = password, ...]",
    # Every line holds "port", so this one splits every line (no substring shortcut).
    "delimited, tail": "[..., port_kw = port, port > 1024, proto = ssh2]",
}
JSON_PATTERN = '{ $.event = "failed_password" && $.invalidUser IS TRUE }'


def rate(fn: Callable[[str], Any], events: list[str]) -> tuple[float, int]:
    """Events per second of ``fn`` over ``events``, and how many matched."""
    started = time.perf_counter()
    hits = sum(1 for e in events if fn(e))
    return len(events) / (time.perf_counter() - started), hits


def substring_loop(events: list[str], needle: str) -> tuple[float, int]:
    started = time.perf_counter()
    hits = 0
    for e in events:
        if needle in e:
            hits += 1
    return len(events) / (time.perf_counter() - started), hits


def filter_log_events_race(count: int) -> None:
    """moto's FilterLogEvents vs labkit's, over one stream of ``count`` events, same pattern."""
    import boto3
    from moto import mock_aws

    from labkit.emulator import logs_filters

    pattern = '"Failed password"'
    lines = list(sshd_lines(count, seed=7))
    with mock_aws():
        logs = boto3.client("logs", region_name="ap-northeast-1")
        logs.create_log_group(logGroupName="/var/log/secure")
        logs.create_log_stream(logGroupName="/var/log/secure", logStreamName="i-0abc")
        first = int(time.time() * 1000) - count  # moto refuses events older than 14 days
        for start in range(0, count, 10_000):
            batch = lines[start : start + 10_000]
            logs.put_log_events(
                logGroupName="/var/log/secure",
                logStreamName="i-0abc",
                logEvents=[{"timestamp": first + start + i, "message": m} for i, m in enumerate(batch)],
            )

        def drain(fetch: Callable[..., dict[str, Any]]) -> int:
            total, token = 0, None
            while True:
                reply = fetch(
                    logGroupName="/var/log/secure", filterPattern=pattern, **({"nextToken": token} if token else {})
                )
                total += len(reply["events"])
                token = reply.get("nextToken")
                if not token:
                    return total

        started = time.perf_counter()
        moto_hits = drain(logs.filter_log_events)
        moto_s = time.perf_counter() - started

        plugin = logs_filters.LogsFilters(emulator=None)  # type: ignore[arg-type]
        # What a moto lab hands the plugin: the in-process backend of moto's default account.
        lab = SimpleNamespace(
            backend=SimpleNamespace(in_process=True, account_id="123456789012"), region="ap-northeast-1"
        )

        def emulated(**params: Any) -> dict[str, Any]:
            call = SimpleNamespace(params=params, lab=lab, region="ap-northeast-1", internal=lambda _: logs)
            return plugin.filter_log_events(call)  # type: ignore[arg-type]

        started = time.perf_counter()
        our_hits = drain(emulated)
        our_s = time.perf_counter() - started
    print(f"\nFilterLogEvents over {count:,} events in one stream, pattern {pattern}")
    print(f"  moto's matcher        {count / moto_s:>12,.0f} events/s  ({moto_hits:,} matches)")
    print(
        f"  labkit emulator       {count / our_s:>12,.0f} events/s  ({our_hits:,} matches)"
        f"  x{moto_s / our_s:.2f} moto's speed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events per measurement")
    parser.add_argument(
        "--moto-events",
        type=int,
        default=100_000,
        help="events for the FilterLogEvents race (moto stores them all in memory)",
    )
    args = parser.parse_args()

    lines = list(sshd_lines(args.events))
    print(f"{args.events:,} sshd lines")
    base, base_hits = substring_loop(lines, "Failed password")
    print(f"  {'substring loop':<16} {base:>12,.0f} events/s  ({base_hits:,} matches)  'Failed password' in line")
    for label, pattern in PATTERNS.items():
        fp = compile(pattern)
        speed, hits = rate(fp.matches, lines)
        print(f"  {label:<16} {speed:>12,.0f} events/s  ({hits:,} matches)  x{speed / base:.2f} of the loop  {pattern}")
    del lines
    events = list(sshd_json_events(args.events))
    fp = compile(JSON_PATTERN)
    speed, hits = rate(fp.matches, events)
    print(f"{args.events:,} JSON events")
    print(f"  {'JSON':<16} {speed:>12,.0f} events/s  ({hits:,} matches)  {JSON_PATTERN}")
    del events
    filter_log_events_race(min(args.moto_events, args.events))


if __name__ == "__main__":
    main()
