"""Compare ml/frame's CSV reader with pandas.read_csv on the same file.

Usage (from the repository root, with pandas in .venv):

    .venv/bin/python bench/frame/compare.py [path/to/adult.csv]

The Go side runs BenchmarkReadAdult in ml/frame (parsing from memory, kind
inference included); the pandas side times read_csv on an in-memory buffer
with the same missing markers. Both report the median of five runs.
"""

import io
import os
import re
import statistics
import subprocess
import sys
import time

import pandas as pd

MISSING = ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL", "Null", "#N/A", "?", "-", "--"]


def pandas_seconds(path: str, runs: int = 5) -> float:
    with open(path, "rb") as fh:
        data = fh.read()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        pd.read_csv(io.BytesIO(data), na_values=MISSING, keep_default_na=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def go_seconds(runs: int = 5) -> float:
    out = subprocess.run(
        ["go", "test", "-run", "XXX", "-bench", "BenchmarkReadAdult", "-count", str(runs), "./ml/frame/"],
        check=True, capture_output=True, text=True,
    ).stdout
    ns = [float(m) for m in re.findall(r"BenchmarkReadAdult\S*\s+\d+\s+([\d.]+) ns/op", out)]
    if not ns:
        raise SystemExit("no benchmark output:\n" + out)
    return statistics.median(ns) / 1e9


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "shared", "datasets", "adult.csv")
    size = os.path.getsize(path) / 1e6
    p = pandas_seconds(path)
    g = go_seconds()
    print(f"file: {os.path.basename(path)} ({size:.1f} MB)")
    print(f"pandas {pd.__version__} read_csv: {p * 1000:.1f} ms ({size / p:.0f} MB/s)")
    print(f"ml/frame Read:        {g * 1000:.1f} ms ({size / g:.0f} MB/s)")
    print(f"ratio Go/pandas: {g / p:.2f}")


if __name__ == "__main__":
    main()
