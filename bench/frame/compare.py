"""Compare ml/frame's CSV reader with pandas.read_csv on the same file.

Usage (from the repository root, with pandas in .venv):

    .venv/bin/python bench/frame/compare.py [path/to/adult.csv]

The Go side runs BenchmarkReadAdult in ml/frame (parsing from memory, kind
inference included); the pandas side times read_csv on an in-memory buffer
with the same missing markers. Both report the median of five runs, as wall
time and as CPU time (user + system; the Go reader types columns on all
cores, pandas uses one), which a busy machine distorts less.
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


def pandas_seconds(path: str, runs: int = 5) -> tuple[float, float]:
    with open(path, "rb") as fh:
        data = fh.read()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        pd.read_csv(io.BytesIO(data), na_values=MISSING, keep_default_na=False)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def go_seconds(runs: int = 5) -> tuple[float, float]:
    out = subprocess.run(
        ["go", "test", "-run", "XXX", "-bench", "BenchmarkReadAdult", "-count", str(runs), "./ml/frame/"],
        check=True, capture_output=True, text=True,
    ).stdout
    wall = [float(m) for m in re.findall(r"BenchmarkReadAdult\S*\s+\d+\s+([\d.]+) ns/op", out)]
    cpu = [float(m) for m in re.findall(r"([\d.]+) cpu-ns/op", out)]
    if not wall or not cpu:
        raise SystemExit("no benchmark output:\n" + out)
    return statistics.median(wall) / 1e9, statistics.median(cpu) / 1e9


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "shared", "datasets", "adult.csv")
    size = os.path.getsize(path) / 1e6
    p_wall, p_cpu = pandas_seconds(path)
    g_wall, g_cpu = go_seconds()
    print(f"file: {os.path.basename(path)} ({size:.1f} MB), load average {os.getloadavg()[0]:.1f}")
    print(f"pandas {pd.__version__} read_csv: wall {p_wall * 1000:.1f} ms, cpu {p_cpu * 1000:.1f} ms")
    print(f"ml/frame Read:          wall {g_wall * 1000:.1f} ms, cpu {g_cpu * 1000:.1f} ms")
    print(f"ratio Go/pandas: wall {g_wall / p_wall:.2f}, cpu {g_cpu / p_cpu:.2f}")

if __name__ == "__main__":
    main()
