"""AutoML benchmark: Trainyard vs LightGBM defaults vs FLAML, same splits, same budget.

For each dataset and split seed, the rows are divided 75/25 (stratified for classes); every
engine trains on the same training rows and is scored on the same test rows:
  - trainyard: `bin/trainyard ml train --budget B --seed S` on the raw CSV, then `ml predict`;
  - lightgbm:  LGBMClassifier/LGBMRegressor with default parameters (categoricals as pandas
               categories, 2 threads);
  - flaml:     flaml.AutoML with time_budget=B, the same metric, 2 jobs.
Scores: log loss (classification; lower is better, also accuracy and AUC) or RMSE (regression).
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

# OpenMP threads that spin while waiting steal the CPU from everything else on a
# shared machine (LightGBM then took minutes per fit under load); wait passively.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split

# FLAML 2.5 predates pandas 3's string dtype for column labels; read strings as objects.
pd.set_option("future.infer_string", False)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.environ.get("TRAINYARD_DATASETS", os.path.join(ROOT, "..", "shared", "datasets"))
BIN = os.environ.get("TRAINYARD_BIN", os.path.join(ROOT, "bin", "trainyard"))

# dataset file -> (target, task); columns dropped by every engine (identifiers).
DATASETS = {
    "adult": ("income", "binary", []),
    "telco_churn": ("churn", "binary", []),
    "breast_cancer": ("diagnosis", "binary", []),
    "spambase": ("type", "binary", []),
    "titanic": ("Survived", "binary", ["PassengerId", "Name", "Ticket"]),
    "iris": ("species", "multiclass", []),
    "wine": ("cultivar", "multiclass", []),
    "penguins": ("species", "multiclass", []),
    "letter_recognition": ("lettr", "multiclass", []),
    "digits": ("digit", "multiclass", []),
    "diabetes": ("disease_progression", "regression", []),
    "california_housing": ("median_house_value", "regression", []),
    "ames_housing": ("Sale_Price", "regression", []),
}


def load(name):
    target, task, drop = DATASETS[name]
    df = pd.read_csv(os.path.join(DATA, name + ".csv"), keep_default_na=True)
    return df.drop(columns=drop), target, task


def split(df, target, task, seed):
    strat = df[target].astype(str) if task != "regression" else None
    return train_test_split(df, test_size=0.25, random_state=seed, stratify=strat)


def to_lgb(df, target, cats):
    X = df.drop(columns=[target]).copy()
    for c in cats:
        X[c] = X[c].astype("category")
    return X


def score(task, y_true, proba=None, value=None, classes=None):
    if task == "regression":
        return {"rmse": math.sqrt(mean_squared_error(y_true, value))}
    idx = np.array([classes.index(str(v)) for v in y_true])
    p = np.clip(proba, 1e-15, 1)
    p = p / p.sum(axis=1, keepdims=True)
    out = {"logloss": log_loss(idx, p, labels=list(range(len(classes)))),
           "accuracy": accuracy_score(idx, p.argmax(axis=1))}
    if len(classes) == 2:
        out["auc"] = roc_auc_score(idx, p[:, 1])
    return out


def run_lightgbm(train, test, target, task, classes, cats):
    Xtr, Xte = to_lgb(train, target, cats), to_lgb(test, target, cats)
    for c in cats:
        Xte[c] = pd.Categorical(Xte[c], categories=Xtr[c].cat.categories)
    t0 = time.time()
    if task == "regression":
        m = lgb.LGBMRegressor(n_jobs=2, verbose=-1).fit(Xtr, train[target])
        return score(task, test[target], value=m.predict(Xte)), time.time() - t0
    y = np.array([classes.index(str(v)) for v in train[target]])
    m = lgb.LGBMClassifier(n_jobs=2, verbose=-1).fit(Xtr, y)
    return score(task, test[target], proba=m.predict_proba(Xte), classes=classes), time.time() - t0


def run_flaml(train, test, target, task, classes, cats, budget, seed):
    from flaml import AutoML
    Xtr, Xte = to_lgb(train, target, cats), to_lgb(test, target, cats)
    for c in cats:
        Xte[c] = pd.Categorical(Xte[c], categories=Xtr[c].cat.categories)
    automl = AutoML()
    t0 = time.time()
    if task == "regression":
        automl.fit(Xtr, train[target], task="regression", metric="rmse", time_budget=budget, n_jobs=2, seed=seed, verbose=0)
        return score(task, test[target], value=automl.predict(Xte)), time.time() - t0
    y = np.array([classes.index(str(v)) for v in train[target]])
    automl.fit(Xtr, y, task="classification", metric="log_loss", time_budget=budget, n_jobs=2, seed=seed, verbose=0)
    proba = automl.predict_proba(Xte)
    if proba.shape[1] != len(classes):  # a class absent from training
        full = np.zeros((len(Xte), len(classes)))
        full[:, automl.classes_] = proba
        proba = full
    return score(task, test[target], proba=proba, classes=classes), time.time() - t0


def run_trainyard(train, test, target, task, classes, budget, seed, tmp):
    tr, te = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
    train.to_csv(tr, index=False)
    test.drop(columns=[target]).to_csv(te, index=False)
    model, preds = os.path.join(tmp, "model"), os.path.join(tmp, "preds.csv")
    t0 = time.time()
    subprocess.run([BIN, "ml", "train", "--data", tr, "--target", target, "--task", task, "--budget", f"{budget}s",
                    "--seed", str(seed), "--quiet", "--out", model], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "GOMAXPROCS": "2"})
    elapsed = time.time() - t0
    subprocess.run([BIN, "ml", "predict", "--model", model, "--data", te, "--out", preds], check=True)
    p = pd.read_csv(preds, dtype={"prediction": str})
    if task == "regression":
        return score(task, test[target], value=p["prediction"].astype(float).values), elapsed
    proba = p[["proba_" + c for c in classes]].values
    return score(task, test[target], proba=proba, classes=classes), elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=20)
    ap.add_argument("--splits", type=int, default=5)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--engines", default="trainyard,lightgbm,flaml")
    ap.add_argument("--merge", action="store_true", help="keep the other datasets' rows of the last results file")
    ap.add_argument("--first-split", type=int, default=0, help="start at this split seed (to finish an interrupted run)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "automl.json"),
                    help="results JSON; the markdown table goes next to it (.md)")
    ap.add_argument("--combine", metavar="OLD_JSON",
                    help="no run: fill engines and datasets missing from the last results file from OLD_JSON")
    args = ap.parse_args()
    engines = args.engines.split(",")
    results = []
    out_json = args.out
    if args.merge and os.path.exists(out_json):
        with open(out_json) as f:
            rerun = set(args.datasets.split(","))
            results = [r for r in json.load(f)["results"] if r["dataset"] not in rerun]
    if args.combine:
        # Offline: fill the engines a run left out from an earlier results file
        # (same dataset and split seed: the same rows), and keep its datasets
        # that were not re-run.
        with open(out_json) as f:
            new = json.load(f)
        with open(args.combine) as f:
            old = json.load(f)
        by = {(r["dataset"], r["seed"]): r for r in old["results"]}
        rerun = {r["dataset"] for r in new["results"]}
        merged = []
        for r in new["results"]:
            prev = by.get((r["dataset"], r["seed"]), {})
            merged.append({**{k: v for k, v in prev.items() if k in ("trainyard", "lightgbm", "flaml")}, **r})
        merged += [r for r in old["results"] if r["dataset"] not in rerun]
        args.splits = new["splits"]
        print(write(out_json, args, ["trainyard", "lightgbm", "flaml"], merged))
        return
    for name in args.datasets.split(","):
        df, target, task = load(name)
        cats = [c for c in df.columns if c != target and not pd.api.types.is_numeric_dtype(df[c])]
        classes = None if task == "regression" else sorted(df[target].astype(str).unique().tolist())
        for seed in range(args.first_split, args.splits):
            train, test = split(df, target, task, seed)
            row = {"dataset": name, "task": task, "seed": seed, "train_rows": len(train), "test_rows": len(test)}
            with tempfile.TemporaryDirectory() as tmp:
                for eng in engines:
                    if eng == "trainyard":
                        s, t = run_trainyard(train, test, target, task, classes, args.budget, seed, tmp)
                    elif eng == "lightgbm":
                        s, t = run_lightgbm(train, test, target, task, classes, cats)
                    else:
                        s, t = run_flaml(train, test, target, task, classes, cats, args.budget, seed)
                    row[eng] = {**s, "seconds": t}
            row["uptime"] = uptime()
            results.append(row)
            print(json.dumps(row), flush=True)
        # Written after every dataset, so an interrupted run keeps what it measured.
        write(out_json, args, engines, results)
    print(write(out_json, args, engines, results))


def uptime():
    """The output of uptime(1): the load the measurement ran under."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return " ".join(f"{x:.2f}" for x in os.getloadavg())


def write(out_json, args, engines, results):
    os.makedirs(os.path.dirname(out_json), exist_ok=True)
    with open(out_json, "w") as f:
        json.dump({"budget": args.budget, "splits": args.splits, "load": os.getloadavg(), "results": results}, f, indent=1)
    table = summarize(results, engines, args.budget)
    with open(os.path.splitext(out_json)[0] + ".md", "w") as f:
        f.write(table)
    return table


def summarize(results, engines, budget):
    lines = [f"AutoML, {budget:g} s budget, mean ± standard error over splits (lower is better)\n",
             "| dataset | metric | splits | " + " | ".join(engines) + " | trainyard vs lightgbm | paired difference | 1-min load |",
             "|---|---|---|" + "---|" * len(engines) + "---|---|---|"]
    for name in dict.fromkeys(r["dataset"] for r in results):
        rows = [r for r in results if r["dataset"] == name]
        metric = "rmse" if rows[0]["task"] == "regression" else "logloss"
        cells, means = [], {}
        for eng in engines:
            vals = [r[eng][metric] for r in rows if eng in r]
            if not vals:
                cells.append("–")
                continue
            m = statistics.mean(vals)
            se = statistics.stdev(vals) / math.sqrt(len(vals)) if len(vals) > 1 else 0
            means[eng] = (m, se)
            cells.append(f"{m:.4g} ± {se:.2g}" + (f" ({len(vals)})" if len(vals) != len(rows) else ""))
        verdict = ""
        if "trainyard" in means and "lightgbm" in means:
            (a, sa), (b, sb) = means["trainyard"], means["lightgbm"]
            verdict = "better" if a < b - sb else ("tie (within 1 s.e.)" if a <= b + sb else "worse")
        paired = ""
        pr = [r for r in rows if "trainyard" in r and "lightgbm" in r]
        if len(pr) > 1:
            d = [r["trainyard"][metric] - r["lightgbm"][metric] for r in pr]
            paired = f"{statistics.mean(d):+.3g} ± {statistics.stdev(d) / math.sqrt(len(d)):.2g}"
        loads = [float(r["uptime"].split("load average:")[1].split(",")[0]) for r in rows if "load average:" in r.get("uptime", "")]
        load = f"{min(loads):.0f}–{max(loads):.0f}" if loads else ""
        lines.append(f"| {name} | {metric} | {len(rows)} | " + " | ".join(cells) + f" | {verdict} | {paired} | {load} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
