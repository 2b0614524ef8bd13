"""Benchmark: a workshop server's memory over many runs of notebook 02 (issue 19 §5, "a server that
does not grow").

Starts ``labkit serve`` in a subprocess on a free loopback port, then runs notebook 02-cpu-alarm's lab
steps N times against it, one lab after another, as a workshop's participants would: the lab instance
with a week of one-minute CPU history (``prereqs.lab_instance(..., history_days=7)``, the bulk of the
data: about 100,000 datapoints sent to the server), the SNS topic and its confirmed email
subscription, the ``cpu-high`` alarm, 30 lab minutes of a CPU spike until it emails, then
``lab.teardown()``. Prints the server's resident memory (VmRSS) before the first run and after every
10 runs (``-v``: every run), and the ratio of the last of these figures to the first.

``--keep-metric-data`` makes teardown leave the metric data on the server (what every teardown did
before the server could free it), for the before/after comparison. ``--participants K`` spreads the
runs over K participants (accounts; default 1: the growth per run, without the fixed cost of a new
account's moto backends). ``--notebook`` executes the real notebook (a fresh kernel per run, slower).

Run:
    python benchmarks/bench_server_memory.py            # 50 runs
    python benchmarks/bench_server_memory.py -n 20 --keep-metric-data
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def start_server() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "labkit", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )
    ready, _, _ = select.select([process.stdout], [], [], 60)
    if not ready:
        process.kill()
        raise SystemExit("labkit serve printed nothing within 60 s")
    first = process.stdout.readline()  # type: ignore[union-attr]
    return process, first.split()[4]


def notebook_02_steps() -> None:
    """The lab steps of notebook 02 that leave state on the server (no plots, no backtest: they stay in the kernel)."""
    import labkit
    from labkit.lesson import prereqs

    lab = labkit.connect()
    instance = prereqs.lab_instance(lab, instance_type="t3.micro", pattern="batch", history_days=7, remote_load=True)
    sns = lab.client("sns")
    topic = sns.create_topic(Name="lab-alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=prereqs.LEARNER_EMAIL)
    lab.inbox.confirm(prereqs.LEARNER_EMAIL)
    lab.client("cloudwatch").put_metric_alarm(
        AlarmName="cpu-high",
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=[{"Name": "InstanceId", "Value": instance.instance_id}],
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=80,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
    )
    lab.wait_for_alarm("cpu-high", "OK", timeout=15)
    instance.spike(lab.clock.now(), minutes=30)
    lab.wait_for_alarm("cpu-high", "ALARM", timeout=20)
    report = lab.teardown()
    assert report.ok and lab.inventory() == [], report
    lab.close()


def run_notebook() -> None:
    import nbformat
    from nbclient import NotebookClient

    path = next((REPO / "notebooks").glob("02-*.ipynb"))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, kernel_name="python3", timeout=900, resources={"metadata": {"path": str(path.parent)}}
    ).execute()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=50)
    parser.add_argument("--participants", type=int, default=1)
    parser.add_argument(
        "--keep-metric-data", action="store_true", help="teardown leaves the metric data on the server (before)"
    )
    parser.add_argument(
        "--notebook", action="store_true", help="execute notebooks/02-cpu-alarm.ipynb in a fresh kernel per run"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print the memory after every run too")
    args = parser.parse_args()

    server, url = start_server()
    os.environ.update(
        {
            "LABKIT_BACKEND": "moto-server",
            "LABKIT_ENDPOINT_URL": url,
            "LABKIT_HOME": tempfile.mkdtemp(prefix="bench-server-memory-"),
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        }
    )
    if args.keep_metric_data:
        if args.notebook:
            raise SystemExit("--keep-metric-data works with the lab steps, not --notebook")
        from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics

        CloudWatchMetrics.free_on_server = lambda self, **_: None  # type: ignore[method-assign]
    try:
        print(
            f"server {url}, {'notebook 02' if args.notebook else 'notebook 02 lab steps'} x {args.runs}, "
            f"{args.participants} participant(s), metric data {'kept' if args.keep_metric_data else 'freed'} at teardown"
        )
        print(f"before the first run: {rss_mib(server.pid):8.1f} MiB")
        figures: list[float] = []
        started = time.perf_counter()
        for run in range(1, args.runs + 1):
            os.environ["LABKIT_PARTICIPANT"] = f"bench-{run % args.participants}"
            run_notebook() if args.notebook else notebook_02_steps()
            rss = rss_mib(server.pid)
            if run % 10 == 0 or run == args.runs:
                figures.append(rss)
                print(f"after {run:3d} runs: {rss:8.1f} MiB   ({time.perf_counter() - started:6.0f} s)", flush=True)
            elif args.verbose:
                print(f"  after {run:3d} runs: {rss:8.1f} MiB   ({time.perf_counter() - started:6.0f} s)", flush=True)
        print(f"last/first: {figures[-1] / figures[0]:.2f}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
