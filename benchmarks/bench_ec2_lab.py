"""What a lab that uses EC2 costs to open, launch the lab instance in and close, at another commit and at this
checkout, side by side (issues 15 and 20: every exercise checker's test, every notebook kernel from 01 on).

Each side runs in a fresh interpreter with its tree first on ``PYTHONPATH`` (the other commit exported with
``git archive``, as ``bench_run.py`` does); one lab first (imports, moto's modules), then ``--labs`` labs timed
in CPU seconds (``time.process_time``) each; the sides alternate for ``--rounds`` rounds. Prints the medians and
their ratio.

    .venv/bin/python benchmarks/bench_ec2_lab.py --before 4103379 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics

from bench_run import last_line_in_tree, side_by_side

ONE_SIDE = """
import statistics, time
import labkit
from labkit.lesson import ec2

def lab_cpu():
    start = time.process_time()
    lab = labkit.connect("moto")
    ec2.launch(lab)
    lab.close()
    return time.process_time() - start

lab_cpu()
print(statistics.median(lab_cpu() for _ in range({labs})))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD~1")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--labs", type=int, default=5)
    args = parser.parse_args()
    code = ONE_SIDE.format(labs=args.labs)
    results = side_by_side(
        args.before,
        args.rounds,
        lambda tree: float(last_line_in_tree(tree, code)),
        lambda cpu: f"{cpu:.3f} CPU s a lab",
    )
    medians = {name: statistics.median(values) for name, values in results.items()}
    for name, value in medians.items():
        print(f"{name}: median {value:.3f} CPU s a lab (connect, launch the lab instance, close)")
    before, after = medians.values()
    print(f"ratio: {before / after:.2f}x (before / after); load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
