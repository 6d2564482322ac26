"""Prepare the fixed benchmark splits as numeric CSV files.

Every engine reads the same files: categorical columns are integer codes
(sorted distinct strings), blanks stay blank (missing), the target is a
class code (0..K-1) or a number. A meta JSON per dataset lists the task, the
number of classes and the categorical columns.
"""
import json
import os
import sys

import numpy as np
import pandas as pd


def encode(train, test, target, task):
    cats = []
    for c in train.columns:
        if c == target:
            continue
        if not (pd.api.types.is_numeric_dtype(train[c]) and pd.api.types.is_numeric_dtype(test[c])):
            levels = sorted(set(train[c].dropna().astype(str)) | set(test[c].dropna().astype(str)))
            code = {s: i for i, s in enumerate(levels)}
            train[c] = train[c].map(lambda v: code.get(str(v)) if pd.notna(v) else np.nan)
            test[c] = test[c].map(lambda v: code.get(str(v)) if pd.notna(v) else np.nan)
            cats.append(c)
    num_class = 1
    if task != "regression":
        labels = sorted(set(train[target].astype(str)) | set(test[target].astype(str)))
        code = {s: i for i, s in enumerate(labels)}
        train[target] = train[target].astype(str).map(code)
        test[target] = test[target].astype(str).map(code)
        num_class = len(labels)
    return train, test, cats, num_class


def write(out, name, train, test, target, task, cats, num_class, note):
    train.to_csv(os.path.join(out, f"{name}_train.csv"), index=False)
    test.to_csv(os.path.join(out, f"{name}_test.csv"), index=False)
    meta = {"name": name, "target": target, "task": task, "num_class": num_class,
            "categorical": cats, "features": [c for c in train.columns if c != target],
            "train_rows": len(train), "test_rows": len(test), "split": note}
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        json.dump(meta, f, indent=1)


def seeded_split(df, seed, frac=0.2):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(df))
    k = int(len(df) * frac)
    return df.iloc[perm[k:]].reset_index(drop=True), df.iloc[perm[:k]].reset_index(drop=True)


def higgs_like(n, d, seed):
    """Synthetic binary data in the spirit of HIGGS: smooth nonlinear signal,
    heavy-tailed kinematic-like features, label noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X[:, 0::4] = np.abs(X[:, 0::4]) * 1.5          # magnitudes
    X[:, 1::4] = np.exp(0.5 * X[:, 1::4])           # lognormal energies
    X[:, 2::4] = rng.uniform(-np.pi, np.pi, (n, len(range(2, d, 4))))  # angles
    z = (0.9 * X[:, 0] * np.cos(X[:, 2]) - 0.7 * np.log(X[:, 1]) * X[:, 3]
         + 0.6 * np.sin(X[:, 6]) * X[:, 4] + 0.5 * (X[:, 5] ** 2 - 1)
         + 0.4 * X[:, 7] * X[:, 8] - 0.3 * np.abs(X[:, 9] - X[:, 10])
         + 0.25 * X[:, 11:d].sum(axis=1) / np.sqrt(d - 11))
    z += rng.logistic(0, 0.6, n)
    y = (z > np.median(z)).astype(int)
    cols = [f"f{i}" for i in range(d)]
    df = pd.DataFrame(X.astype(np.float32).astype(np.float64), columns=cols)
    df["label"] = y
    return df


def main(src, out):
    os.makedirs(out, exist_ok=True)
    done = lambda n: os.path.exists(os.path.join(out, f"{n}.json"))
    if not done("adult"):
        tr = pd.read_csv(os.path.join(src, "adult.csv"), skipinitialspace=True, na_values=["?"])
        te = pd.read_csv(os.path.join(src, "adult_test.csv"), skipinitialspace=True, na_values=["?"])
        for d in (tr, te):
            d["income"] = d["income"].astype(str).str.rstrip(".")
        tr, te, cats, k = encode(tr, te, "income", "binary")
        write(out, "adult", tr, te, "income", "binary", cats, k, "official train/test files")
    if not done("california"):
        df = pd.read_csv(os.path.join(src, "california_housing.csv"))
        tr, te = seeded_split(df, 42)
        tr, te, cats, k = encode(tr, te, "median_house_value", "regression")
        write(out, "california", tr, te, "median_house_value", "regression", cats, k, "seeded 80/20 (seed 42)")
    if not done("letter"):
        df = pd.read_csv(os.path.join(src, "letter_recognition.csv"))
        tr, te = df.iloc[:16000].reset_index(drop=True), df.iloc[16000:].reset_index(drop=True)
        tr, te, cats, k = encode(tr, te, "lettr", "multiclass")
        write(out, "letter", tr, te, "lettr", "multiclass", cats, k, "first 16000 / last 4000 rows")
    if not done("telco"):
        df = pd.read_csv(os.path.join(src, "telco_churn.csv"))
        tr, te = seeded_split(df, 42)
        tr, te, cats, k = encode(tr, te, "churn", "binary")
        write(out, "telco", tr, te, "churn", "binary", cats, k, "seeded 80/20 (seed 42)")
    if not done("higgs200k"):
        df = higgs_like(250_000, 28, 20260101)
        write(out, "higgs200k", df.iloc[:200_000].reset_index(drop=True), df.iloc[200_000:].reset_index(drop=True),
              "label", "binary", [], 2, "synthetic HIGGS-like, seed 20260101, 200k train / 50k test")
    if not done("scale1m"):
        df = higgs_like(1_100_000, 30, 20260102)
        write(out, "scale1m", df.iloc[:1_000_000].reset_index(drop=True), df.iloc[1_000_000:].reset_index(drop=True),
              "label", "binary", [], 2, "synthetic HIGGS-like, seed 20260102, 1M train / 100k test")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
