"""How long `import labkit` takes in a fresh interpreter (the first cell of every notebook).

Prints the median of several fresh-process imports, and what a first `labkit.connect()` costs.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

RUNS = 7


def _seconds(code: str) -> float:
    timed = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", timed], capture_output=True, text=True, check=True).stdout)


def main() -> None:
    imports = [_seconds("import labkit") for _ in range(RUNS)]
    connects = [_seconds("import labkit; labkit.connect()") for _ in range(3)]
    print(f"import labkit:              median {statistics.median(imports) * 1000:.0f} ms over {RUNS} fresh processes")
    print(f"import + labkit.connect(): median {statistics.median(connects):.2f} s over 3 fresh processes")


if __name__ == "__main__":
    main()
