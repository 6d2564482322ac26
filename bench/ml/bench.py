"""Side-by-side GBDT benchmark: our Go GBDT vs LightGBM, XGBoost (hist) and
scikit-learn HistGradientBoosting on the same prepared splits, the same
parameters and the same thread count.

Run through bench/ml/run.sh. Each (engine, dataset, repetition) runs in its own
process so peak RSS is per run; engines are interleaved within a repetition
so background load hits them alike. Metrics are computed here, the same way
for every engine, from the test-set predictions each run writes.
"""
import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "tmp", "bench-ml")
OUT = os.path.join(DATA, "out")
THREADS = 2

# LightGBM's defaults, spelled out so every engine gets the same settings.
LR, LEAVES, MIN_LEAF, MAX_BIN = 0.1, 31, 20, 255


def load(name):
    import pandas as pd
    with open(os.path.join(DATA, f"{name}.json")) as f:
        meta = json.load(f)
    tr = pd.read_csv(os.path.join(DATA, f"{name}_train.csv"))
    te = pd.read_csv(os.path.join(DATA, f"{name}_test.csv"))
    y, yt = tr.pop(meta["target"]).values, te.pop(meta["target"]).values
    return meta, tr, y, te, yt


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def single_row_us(predict, X, seconds=1.0):
    rows = [X[i:i + 1] for i in range(min(200, len(X)))]
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for r in rows:
            predict(r)
        n += len(rows)
    return (time.perf_counter() - start) / n * 1e6


def batch_rps(predict, X, seconds=2.0):
    rows = X.num_row() if hasattr(X, "num_row") else len(X)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or n == 0:
        predict(X)
        n += rows
    return n / (time.perf_counter() - start)


def worker(engine, name, checkpoints):
    meta, X, y, Xt, yt = load(name)
    task, k, cats = meta["task"], meta["num_class"], meta["categorical"]
    rec = {"engine": engine, "dataset": name, "pred_files": {}}
    top = max(checkpoints)
    preds = {}
    if engine == "lightgbm":
        import lightgbm as lgb
        params = {"objective": {"binary": "binary", "multiclass": "multiclass", "regression": "regression"}[task],
                  "num_threads": THREADS, "verbosity": -1, "learning_rate": LR, "num_leaves": LEAVES,
                  "min_data_in_leaf": MIN_LEAF, "max_bin": MAX_BIN, "seed": 0}
        if task == "multiclass":
            params["num_class"] = k
        t = time.perf_counter()
        ds = lgb.Dataset(X, y, categorical_feature=cats or "auto", params={"max_bin": MAX_BIN, "verbosity": -1}).construct()
        rec["bin_seconds"] = time.perf_counter() - t
        t, c0 = time.perf_counter(), cpu_seconds()
        b = lgb.train(params, ds, top)
        rec["train_seconds"] = time.perf_counter() - t
        rec["train_cpu_seconds"] = cpu_seconds() - c0
        rec["peak_rss_mb"] = peak_rss_mb()
        for c in checkpoints:
            preds[c] = b.predict(Xt, num_iteration=c)
        Xn = Xt.values
        rec["predict_batch_rows_per_s"] = batch_rps(lambda a: b.predict(a, num_iteration=100), Xn)
        rec["predict_single_us"] = single_row_us(lambda a: b.predict(a, num_iteration=100), Xn)
    elif engine == "xgboost":
        import xgboost as xgb
        Xc, Xtc = X.copy(), Xt.copy()
        import pandas as pd
        for c in cats:
            # XGBoost wants integer or string categories, not float codes.
            levels = sorted(set(Xc[c].dropna().astype(int)) | set(Xtc[c].dropna().astype(int)))
            Xc[c] = pd.Categorical(Xc[c].astype("Int64"), categories=levels)
            Xtc[c] = pd.Categorical(Xtc[c].astype("Int64"), categories=levels)
        params = {"tree_method": "hist", "grow_policy": "lossguide", "max_leaves": LEAVES, "max_depth": 0,
                  "eta": LR, "max_bin": MAX_BIN, "min_child_weight": 1e-3, "lambda": 0.0, "nthread": THREADS,
                  "seed": 0, "max_cat_to_onehot": 4}
        params["objective"] = {"binary": "binary:logistic", "multiclass": "multi:softprob", "regression": "reg:squarederror"}[task]
        if task == "multiclass":
            params["num_class"] = k
        t = time.perf_counter()
        dtrain = xgb.QuantileDMatrix(Xc, y, enable_categorical=True, max_bin=MAX_BIN, nthread=THREADS)
        rec["bin_seconds"] = time.perf_counter() - t
        t, c0 = time.perf_counter(), cpu_seconds()
        b = xgb.train(params, dtrain, top)
        rec["train_seconds"] = time.perf_counter() - t
        rec["train_cpu_seconds"] = cpu_seconds() - c0
        rec["peak_rss_mb"] = peak_rss_mb()
        dtest = xgb.DMatrix(Xtc, enable_categorical=True, nthread=THREADS)
        for c in checkpoints:
            preds[c] = b.predict(dtest, iteration_range=(0, c))
        rec["predict_batch_rows_per_s"] = batch_rps(lambda d: b.predict(d, iteration_range=(0, 100)), dtest)
        rows = [xgb.DMatrix(Xtc.iloc[i:i + 1], enable_categorical=True) for i in range(200)]
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < 1.0:
            for r in rows:
                b.predict(r, iteration_range=(0, 100))
            n += len(rows)
        rec["predict_single_us"] = (time.perf_counter() - start) / n * 1e6
    elif engine == "sklearn_hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
        mask = [c in cats for c in X.columns]
        kw = dict(max_iter=top, learning_rate=LR, max_leaf_nodes=LEAVES, min_samples_leaf=MIN_LEAF,
                  l2_regularization=0.0, max_bins=MAX_BIN, early_stopping=False, random_state=0,
                  categorical_features=mask if any(mask) else None)
        m = HistGradientBoostingRegressor(**kw) if task == "regression" else HistGradientBoostingClassifier(**kw)
        t, c0 = time.perf_counter(), cpu_seconds()
        m.fit(X, y)
        rec["bin_seconds"] = None  # binning happens inside fit
        rec["train_seconds"] = time.perf_counter() - t
        rec["train_cpu_seconds"] = cpu_seconds() - c0
        rec["peak_rss_mb"] = peak_rss_mb()
        staged = m.staged_predict if task == "regression" else m.staged_predict_proba
        for i, p in enumerate(staged(Xt), start=1):
            if i in checkpoints:
                preds[i] = p[:, 1] if task == "binary" else p
        m.set_params(max_iter=100)
        m._predictors = m._predictors[:100]
        predict = m.predict if task == "regression" else m.predict_proba
        rec["predict_batch_rows_per_s"] = batch_rps(predict, Xt)
        rec["predict_single_us"] = single_row_us(predict, Xt)
    else:
        raise SystemExit(f"unknown engine {engine}")
    os.makedirs(OUT, exist_ok=True)
    for c, p in preds.items():
        f = os.path.join(OUT, f"{engine}_{name}_{c}.f64")
        np.asarray(p, dtype=np.float64).ravel().tofile(f)
        rec["pred_files"][str(c)] = f
    print(json.dumps(rec))


def score(meta, yt, f):
    from sklearn.metrics import log_loss, roc_auc_score
    p = np.fromfile(f)
    task = meta["task"]
    if task == "binary":
        pc = np.clip(p, 1e-15, 1 - 1e-15)
        return {"auc": roc_auc_score(yt, p), "logloss": log_loss(yt, pc, labels=[0, 1])}
    if task == "multiclass":
        k = meta["num_class"]
        p = p.reshape(-1, k)
        p = np.clip(p, 1e-15, 1)
        p = p / p.sum(axis=1, keepdims=True)
        return {"multi_logloss": log_loss(yt, p, labels=list(range(k))), "accuracy": float(np.mean(p.argmax(1) == yt))}
    return {"rmse": float(np.sqrt(np.mean((p - yt) ** 2)))}


def run_one(engine, name, checkpoints, binary):
    cp = ",".join(str(c) for c in checkpoints)
    # Passive OpenMP waiting: on a shared machine, spinning threads of the
    # C++ engines otherwise fight the other load (and each other) for cores.
    env = dict(os.environ, OMP_NUM_THREADS=str(THREADS), GOMAXPROCS=str(THREADS), OMP_WAIT_POLICY="PASSIVE")
    if engine == "gbdt":
        cmd = [binary, "-data", DATA, "-dataset", name, "-params", f"num_threads={THREADS}",
               "-checkpoints", cp, "-out", OUT]
    else:
        cmd = [sys.executable, os.path.abspath(__file__), "worker", "--engine", engine, "--dataset", name,
               "--checkpoints", cp]
    load = os.getloadavg()[0]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if r.returncode != 0:
        print(f"{engine} {name} failed:\n{r.stderr[-2000:]}", file=sys.stderr)
        return None
    rec = json.loads(r.stdout.strip().splitlines()[-1])
    rec["load_avg_1m"] = load
    return rec


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd")
    w = sub.add_parser("worker")
    w.add_argument("--engine")
    w.add_argument("--dataset")
    w.add_argument("--checkpoints")
    ap.add_argument("--datasets", default="adult,california,letter,telco,higgs200k,scale1m")
    ap.add_argument("--engines", default="gbdt,lightgbm,xgboost,sklearn_hgb")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--slow-repeats", type=int, default=5,
                    help="repetitions for xgboost and sklearn_hgb (their speed is context, not a target)")
    ap.add_argument("--binary", default=os.path.join(DATA, "benchml"))
    ap.add_argument("--src", default=os.path.join(os.path.dirname(ROOT), "shared", "datasets"))
    args = ap.parse_args()
    if args.cmd == "worker":
        worker(args.engine, args.dataset, [int(c) for c in args.checkpoints.split(",")])
        return
    sys.path.insert(0, HERE)
    import prepare
    prepare.main(args.src, DATA)
    results = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "threads": THREADS, "repeats": args.repeats, "machine": platform.platform(),
               "cpus": os.cpu_count(), "versions": versions(), "runs": [], "summary": []}
    for name in args.datasets.split(","):
        checkpoints = [100] if name == "scale1m" else [10, 50, 100, 200]
        engines = args.engines.split(",")
        if name == "scale1m":
            engines = [e for e in engines if e in ("gbdt", "lightgbm")]
        with open(os.path.join(DATA, f"{name}.json")) as f:
            meta = json.load(f)
        import pandas as pd
        yt = pd.read_csv(os.path.join(DATA, f"{name}_test.csv"), usecols=[meta["target"]])[meta["target"]].values
        runs = {e: [] for e in engines}
        for rep in range(args.repeats):
            for e in engines:
                if e in ("xgboost", "sklearn_hgb") and rep >= args.slow_repeats:
                    continue
                rec = run_one(e, name, checkpoints, args.binary)
                if rec is None:
                    continue
                if rep == 0:
                    rec["metrics"] = {c: score(meta, yt, f) for c, f in rec["pred_files"].items()}
                # Record paths relative to the repository.
                rec["pred_files"] = {c: os.path.relpath(f, ROOT) for c, f in rec["pred_files"].items()}
                runs[e].append(rec)
                results["runs"].append(rec)
                print(f"{name:11s} {e:12s} rep {rep}: train {rec['train_seconds']:.2f}s load {rec['load_avg_1m']:.1f}", flush=True)
        for e, rs in runs.items():
            if not rs:
                continue
            med = lambda key: statistics.median([r[key] for r in rs]) if rs[0].get(key) is not None else None
            results["summary"].append({
                "dataset": name, "task": meta["task"], "engine": e, "runs": len(rs),
                "train_seconds": med("train_seconds"), "train_cpu_seconds": med("train_cpu_seconds"), "bin_seconds": med("bin_seconds"),
                "peak_rss_mb": med("peak_rss_mb"), "predict_batch_rows_per_s": med("predict_batch_rows_per_s"),
                "predict_single_us": med("predict_single_us"), "metrics": rs[0]["metrics"],
                "load_avg": [r["load_avg_1m"] for r in rs], "test_rows": meta["test_rows"], "train_rows": meta["train_rows"]})
    results["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    stamp = results["started"].replace(":", "").replace("-", "")[:15]
    with open(os.path.join(ROOT, "bench", "results", f"ml-gbdt-{stamp}.json"), "w") as f:
        json.dump(results, f, indent=1)
    md = table(results)
    with open(os.path.join(ROOT, "bench", "results", "ml-gbdt.md"), "w") as f:
        f.write(md)
    print(md)


def versions():
    v = {"python": platform.python_version()}
    for mod in ("lightgbm", "xgboost", "sklearn", "numpy", "pandas"):
        try:
            v[mod] = __import__(mod).__version__
        except Exception:
            pass
    r = subprocess.run(["go", "version"], capture_output=True, text=True)
    v["go"] = r.stdout.strip()
    r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    v["commit"] = r.stdout.strip()
    return v


def table(res):
    lines = [f"# GBDT benchmark ({res['started']})", "",
             f"{res['threads']} threads, median of {res['repeats']} runs (metrics from the first run; all engines are deterministic). "
             f"1-minute load average at each run start is listed: other work shared the machine. "
             f"Versions: {', '.join(f'{k} {v}' for k, v in res['versions'].items())}.", "",
             "Same parameters everywhere: learning_rate 0.1, 31 leaves (XGBoost: lossguide, max_leaves 31, lambda 0, "
             "min_child_weight 1e-3), min_data_in_leaf 20 (not in XGBoost), max_bin 255, native categorical splits. "
             "Train seconds exclude loading and, except scikit-learn, binning; train CPU s is user+system CPU time of the "
             "training call (less sensitive to other load than wall time). OpenMP engines run with OMP_WAIT_POLICY=PASSIVE. "
             "Predict: batch = the whole test set per call, single-row = one row per call, 100-iteration model.", ""]
    by = {}
    for s in res["summary"]:
        by.setdefault(s["dataset"], []).append(s)
    for ds, ss in by.items():
        task = ss[0]["task"]
        keys = {"binary": ["auc", "logloss"], "multiclass": ["multi_logloss", "accuracy"], "regression": ["rmse"]}[task]
        cps = sorted(ss[0]["metrics"], key=int)
        lines.append(f"## {ds} ({task}, {ss[0]['train_rows']} train / {ss[0]['test_rows']} test rows)")
        lines.append("")
        head = ["engine", "runs", "train s", "train CPU s", "bin s", "peak RSS MB", "predict rows/s", "single-row µs"]
        head += [f"{k}@{c}" for c in cps for k in keys]
        head.append("load avg")
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for s in ss:
            f = lambda v, fmt: "–" if v is None else fmt.format(v)
            row = [s["engine"], str(s["runs"]), f(s["train_seconds"], "{:.2f}"), f(s.get("train_cpu_seconds"), "{:.2f}"), f(s["bin_seconds"], "{:.2f}"), f(s["peak_rss_mb"], "{:.0f}"),
                   f(s["predict_batch_rows_per_s"], "{:,.0f}"), f(s["predict_single_us"], "{:.1f}")]
            row += [f"{s['metrics'][c][k]:.5f}" for c in cps for k in keys]
            row.append(" ".join(f"{l:.1f}" for l in s["load_avg"]))
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
