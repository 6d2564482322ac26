"""Prediction throughput: our Go predictor, LightGBM and onnxruntime.

For each dataset, in one run and with 2 threads everywhere:
  * the Go command (bench/ml/predict) trains our GBDT with LightGBM's
    defaults and 100 iterations through `trainyard ml train`, exports it to
    ONNX and times our batch prediction (string records, and parsed frames)
    and single-row prediction;
  * LightGBM (PyPI) trains the same configuration on the same rows and
    columns and times Booster.predict on a float matrix (categories as
    integer codes) and on a pandas DataFrame, batch and one row per call;
  * onnxruntime runs our exported ONNX model, batch and one row per call,
    and its probabilities are compared with the Go predictor's.
The batch is the test rows tiled to --rows rows. Results go to
bench/results/ml-predict-<time>.json and bench/results/ml-predict.md.
"""
import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time

# OpenMP threads wait passively: spinning idle threads would be billed as
# CPU time per row on the shared machine (and slow the other engines).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import lightgbm as lgb  # noqa: E402 (after the OpenMP setting)
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import pandas as pd  # noqa: E402

DATA = os.environ.get("TRAINYARD_DATASETS", "../shared/datasets")
DATASETS = {
    "telco_churn": ("telco_churn.csv", None, "churn"),
    "adult": ("adult.csv", "adult_test.csv", "income"),
}
# The frame reader's default missing markers.
MARKERS = ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL", "Null", "#N/A", "?", "-", "--"]
TRUE = {"true", "t", "yes", "y"}
FALSE = {"false", "f", "no", "n"}
THREADS = 2


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_batch(fn, rows, runs):
    fn()
    rates = []
    c0 = cpu()
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        rates.append(rows / (time.perf_counter() - t))
    cpu_ns = (cpu() - c0) * 1e9 / (runs * rows)
    rates.sort()
    return {"runs": runs, "best_rows_per_s": rates[-1], "median_rows_per_s": rates[len(rates) // 2],
            "cpu_ns_per_row": cpu_ns, "rows_per_s_at_2_cores_cpu": 2e9 / cpu_ns}


def time_single(fn, n, seconds=2.0):
    for i in range(min(n, 200)):
        fn(i)
    durs = []
    c0 = cpu()
    begin = time.perf_counter()
    i = 0
    while time.perf_counter() - begin < seconds or i < 200:
        t = time.perf_counter()
        fn(i % n)
        durs.append((time.perf_counter() - t) * 1e6)
        i += 1
    cpu_us = (cpu() - c0) * 1e6 / len(durs)
    durs.sort()
    return {"calls": len(durs), "mean_us": sum(durs) / len(durs), "p50_us": durs[len(durs) // 2],
            "p99_us": durs[len(durs) * 99 // 100], "cpu_us_per_row": cpu_us}


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def numeric(col, kind):
    """The float value of each cell as the Go pipeline reads it (NaN missing)."""
    s = col.str.strip()
    out = pd.to_numeric(s, errors="coerce")
    if kind == "boolean":
        low = s.str.lower()
        out = out.where(~low.isin(TRUE), 1.0).where(~low.isin(FALSE), 0.0)
    return out.where(~s.isin(MARKERS)).astype(np.float64)


def lightgbm_frames(train, test, schema):
    """Training and test features for LightGBM: numbers as floats and
    categories as pandas categories with the training levels."""
    xtr, xte = pd.DataFrame(index=train.index), pd.DataFrame(index=test.index)
    cats = []
    for c in schema:
        name, kind = c["name"], c["kind"]
        if kind in ("categorical", "id", "text"):
            tr = train[name].str.strip().where(~train[name].str.strip().isin(MARKERS))
            te = test[name].str.strip().where(~test[name].str.strip().isin(MARKERS))
            levels = sorted(tr.dropna().unique())
            xtr[name] = pd.Categorical(tr, categories=levels)
            xte[name] = pd.Categorical(te, categories=levels)
            cats.append(name)
        else:
            xtr[name], xte[name] = numeric(train[name], kind), numeric(test[name], kind)
    return xtr, xte, cats


def onnx_feeds(test, inputs, schema, idx):
    kinds = {c["name"]: c["kind"] for c in schema}
    feeds = {}
    for inp in inputs:
        col = test[inp["name"]].iloc[idx]
        if inp["string"]:
            feeds[inp["name"]] = col.to_numpy(dtype=object).reshape(-1, 1)
        else:
            feeds[inp["name"]] = numeric(col, kinds[inp["name"]]).to_numpy(np.float32).reshape(-1, 1)
    return feeds


def bench(name, args, gocmd):
    train_file, test_file, target = DATASETS[name]
    train_path = os.path.join(args.data, train_file)
    test_path = os.path.join(args.data, test_file) if test_file else train_path
    out = os.path.join("tmp", "bench-ml", "predict", name)
    env = dict(os.environ, GOMAXPROCS=str(THREADS))
    proc = subprocess.run([gocmd, "-dataset", name, "-train", train_path, "-test", test_path, "-target", target,
                           "-rows", str(args.rows), "-runs", str(args.runs), "-out", out],
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{name}: Go predictor failed:\n{proc.stderr}")
    go = json.loads(proc.stdout)
    schema, classes = go["schema"], go["classes"]

    train, test = read(train_path), read(test_path)
    # The label as the Go model numbers it: classes sorted by their text.
    y = train[target].str.strip().map({c: i for i, c in enumerate(classes)})
    keep = y.notna()
    xtr, xte, cats = lightgbm_frames(train[keep], test, schema)
    params = {"objective": "binary", "learning_rate": 0.1, "num_leaves": 31, "min_data_in_leaf": 20,
              "max_bin": 255, "num_threads": THREADS, "verbose": -1, "seed": 0}
    t = time.perf_counter()
    booster = lgb.train(params, lgb.Dataset(xtr, label=y[keep].astype(int), categorical_feature=cats),
                        num_boost_round=100)
    lgb_train = time.perf_counter() - t

    reps = -(-args.rows // len(test))
    big = pd.concat([xte] * reps, ignore_index=True).iloc[:args.rows]
    mat = big.copy()
    for c in cats:
        mat[c] = mat[c].cat.codes.astype(np.float64).where(mat[c].cat.codes >= 0)
    mat = mat.to_numpy(np.float64)
    one = xte.copy()
    for c in cats:
        one[c] = one[c].cat.codes.astype(np.float64).where(one[c].cat.codes >= 0)
    one = one.to_numpy(np.float64)
    res = {"go": go, "lightgbm": {
        "version": lgb.__version__, "train_seconds": lgb_train, "trees": booster.num_trees(),
        "batch_matrix": time_batch(lambda: booster.predict(mat, num_threads=THREADS), args.rows, args.runs),
        "batch_dataframe": time_batch(lambda: booster.predict(big, num_threads=THREADS), args.rows, args.runs),
        "single_matrix": time_single(lambda i: booster.predict(one[i:i + 1], num_threads=THREADS), len(one)),
    }}

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = THREADS
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    sess = ort.InferenceSession(go["onnx"], opts, providers=["CPUExecutionProvider"])
    tiled = np.arange(args.rows) % len(test)
    feeds = onnx_feeds(test, go["onnx_inputs"], schema, tiled)
    singles = [onnx_feeds(test, go["onnx_inputs"], schema, [i]) for i in range(min(len(test), 2000))]
    all_feeds = onnx_feeds(test, go["onnx_inputs"], schema, np.arange(len(test)))
    proba = sess.run(["probabilities"], all_feeds)[0]
    with open(go["proba_file"]) as f:
        gop = np.array(json.load(f), dtype=np.float64).reshape(proba.shape)
    res["onnxruntime"] = {
        "version": ort.__version__,
        "max_abs_diff_vs_go": float(np.max(np.abs(proba.astype(np.float64) - gop))),
        "batch": time_batch(lambda: sess.run(None, feeds), args.rows, args.runs),
        "single": time_single(lambda i: sess.run(None, singles[i]), len(singles)),
    }
    return res


def markdown(results, load_start, load_end, when):
    lines = [
        "# Prediction throughput: our predictor vs LightGBM and onnxruntime",
        "",
        f"Run {when} on the shared 2-core machine, 1-minute load average {load_start:.1f} at the start"
        f" and {load_end:.1f} at the end (other engineers' jobs were running: wall-clock rows/s are"
        " depressed by the load, CPU time per row less so; compare engines within the run).",
        "Every engine uses 2 threads. A 100-tree GBDT with LightGBM's defaults; the batch is the test rows tiled to"
        f" {results[0]['go']['batch_rows']} rows. `bench/ml/predict.sh` reproduces it.",
        "",
        "| dataset | engine, input | batch rows/s (best / median) | batch CPU µs/row | single row p50 / p99 µs | single row CPU µs |",
        "|---|---|---|---|---|---|",
    ]

    def row(ds, label, b, s):
        single = f"{s['p50_us']:.1f} / {s['p99_us']:.1f}" if s else "—"
        scpu = f"{s['cpu_us_per_row']:.1f}" if s else "—"
        lines.append(f"| {ds} | {label} | {b['best_rows_per_s']:,.0f} / {b['median_rows_per_s']:,.0f} |"
                     f" {b['cpu_ns_per_row'] / 1e3:.2f} | {single} | {scpu} |")

    for r in results:
        go, lg, ox = r["go"], r["lightgbm"], r["onnxruntime"]
        ds = go["dataset"]
        row(ds, "ours, string records (Record.PredictBatch / Predict)", go["batch_records"], go["single_record"])
        row(ds, "ours, parsed frame (PredictFrame) / map row (PredictMap)", go["batch_frame"], go["single_map"])
        row(ds, f"LightGBM {lg['version']}, float matrix", lg["batch_matrix"], lg["single_matrix"])
        row(ds, f"LightGBM {lg['version']}, pandas DataFrame", lg["batch_dataframe"], None)
        row(ds, f"onnxruntime {ox['version']}, our ONNX", ox["batch"], ox["single"])
    lines += ["", "Notes:", ""]
    for r in results:
        go, ox = r["go"], r["onnxruntime"]
        lines.append(f"- {go['dataset']}: {go['test_rows']} test rows, {len(go['schema'])} input columns; "
                     f"onnxruntime's probabilities differ from the Go predictor's by at most {ox['max_abs_diff_vs_go']:.2g}.")
    lines += [
        "- Our records path includes parsing the string cells and encoding categories (what a CSV batch or a"
        " JSON request needs); LightGBM's float matrix path starts from already-encoded numbers, its"
        " DataFrame path maps pandas categories itself.",
        "- Single-row LightGBM and onnxruntime times include the Python call overhead of one `predict` / `run`"
        " per row, which is how a Python server pays it.",
        "",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", default="telco_churn,adult")
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--go", default="tmp/bench-ml/benchpredict")
    args = ap.parse_args()
    load_start = os.getloadavg()[0]
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S")
    results = [bench(name, args, args.go) for name in args.datasets.split(",")]
    load_end = os.getloadavg()[0]
    os.makedirs("bench/results", exist_ok=True)
    with open(f"bench/results/ml-predict-{when}.json", "w") as f:
        json.dump({"when": when, "load_start": load_start, "load_end": load_end, "threads": THREADS,
                   "results": results}, f, indent=1)
    md = markdown(results, load_start, load_end, when)
    with open("bench/results/ml-predict.md", "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
