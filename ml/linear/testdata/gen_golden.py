"""Record scikit-learn reference fits for the linear package's tests.

Run from the repository root with scikit-learn installed in .venv:

    .venv/bin/python ml/linear/testdata/gen_golden.py

It reads the shared datasets (../shared/datasets next to the repository, or
TRAINYARD_DATASETS), standardizes the features (mean 0, population standard
deviation 1; the Go test does the same), fits each case tightly and writes
golden.json next to this script.
"""

import csv
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.linear_model import ElasticNet, LogisticRegression, Ridge

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.environ.get("TRAINYARD_DATASETS") or os.path.join(os.path.dirname(os.path.dirname(ROOT)), "shared", "datasets")


def load(name, target):
    with open(os.path.join(DATA, name), newline="") as f:
        rows = list(csv.DictReader(f))
    cols = [c for c in rows[0].keys() if c != target]
    x = np.array([[float(r[c]) for c in cols] for r in rows])
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x, [r[target] for r in rows]


def classes(labels):
    names = sorted(set(labels))
    return np.array([names.index(v) for v in labels], dtype=float)


def cycle_weights(n):
    return 1.0 + (np.arange(n) % 3)


def logistic_case(name, dataset, target, c, balanced=False, weighted=False, l1_ratio=0.0):
    x, labels = load(dataset, target)
    y = classes(labels)
    n = len(y)
    sw = cycle_weights(n) if weighted else np.ones(n)
    k = int(y.max()) + 1
    cw = np.ones(k)
    if balanced:
        # Weighted class totals, as scikit-learn's "balanced" computes them.
        counts = np.bincount(y.astype(int), weights=sw, minlength=k)
        cw = sw.sum() / (k * counts)
    eff = sw * cw[y.astype(int)]
    s = eff.sum()
    model = LogisticRegression(
        C=c, l1_ratio=l1_ratio, solver="saga" if l1_ratio else "lbfgs", tol=1e-12, max_iter=1000000,
        class_weight="balanced" if balanced else None,
    ).fit(x, y, sample_weight=sw if weighted else None)
    proba = model.predict_proba(x)
    coef, intercept = model.coef_, model.intercept_
    if k > 2:
        intercept = intercept - intercept.mean()
        if not l1_ratio:
            coef = coef - coef.mean(axis=0)
    l2 = (1 - l1_ratio) / (c * s)
    l1 = l1_ratio / (c * s)
    yi = y.astype(int)
    data_loss = -(eff * np.log(proba[np.arange(n), yi] if k > 2 else np.where(yi == 1, proba[:, 1], proba[:, 0]))).sum() / s
    objective = data_loss + 0.5 * l2 * (coef ** 2).sum() + l1 * np.abs(coef).sum()
    return {
        "name": name, "dataset": dataset, "target": target,
        "task": "multiclass" if k > 2 else "binary",
        "l2": l2, "l1": l1, "balanced": balanced, "weighted": weighted,
        "coefficients": coef.tolist(), "intercepts": intercept.tolist(),
        "objective": objective,
        "logLoss": float(-np.mean(np.log(proba[np.arange(n), yi]))),
        "probaHead": proba[:5].tolist(),
    }


def ridge_case(name, alpha, weighted=False, ols=False):
    x, labels = load("diabetes.csv", "disease_progression")
    y = np.array([float(v) for v in labels])
    n = len(y)
    sw = cycle_weights(n) if weighted else np.ones(n)
    model = Ridge(alpha=alpha, solver="cholesky").fit(x, y, sample_weight=sw)
    pred = model.predict(x)
    s = sw.sum()
    l2 = alpha / s
    objective = 0.5 * (sw * (pred - y) ** 2).sum() / s + 0.5 * l2 * (model.coef_ ** 2).sum()
    return {
        "name": name, "dataset": "diabetes.csv", "target": "disease_progression",
        "task": "regression", "l2": l2, "balanced": False, "weighted": weighted,
        "coefficients": [model.coef_.tolist()], "intercepts": [float(model.intercept_)],
        "objective": objective,
        "rmse": float(np.sqrt(np.mean((pred - y) ** 2))),
    }


def elasticnet_case(name, alpha, l1_ratio):
    x, labels = load("diabetes.csv", "disease_progression")
    y = np.array([float(v) for v in labels])
    model = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=1000000).fit(x, y)
    pred = model.predict(x)
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    objective = 0.5 * np.mean((pred - y) ** 2) + 0.5 * l2 * (model.coef_ ** 2).sum() + l1 * np.abs(model.coef_).sum()
    return {
        "name": name, "dataset": "diabetes.csv", "target": "disease_progression",
        "task": "regression", "l2": l2, "l1": l1, "balanced": False, "weighted": False,
        "coefficients": [model.coef_.tolist()], "intercepts": [float(model.intercept_)],
        "objective": objective,
        "rmse": float(np.sqrt(np.mean((pred - y) ** 2))),
    }


def main():
    cases = [
        logistic_case("breast_cancer_C1", "breast_cancer.csv", "diagnosis", 1.0),
        logistic_case("breast_cancer_C0.05_balanced_weighted", "breast_cancer.csv", "diagnosis", 0.05, balanced=True, weighted=True),
        logistic_case("iris_C1", "iris.csv", "species", 1.0),
        logistic_case("iris_C10_weighted", "iris.csv", "species", 10.0, weighted=True),
        logistic_case("wine_C0.3_balanced", "wine.csv", "cultivar", 0.3, balanced=True),
        ridge_case("diabetes_alpha1", 1.0),
        ridge_case("diabetes_alpha10_weighted", 10.0, weighted=True),
        ridge_case("diabetes_ols", 0.0),
        logistic_case("breast_cancer_C0.1_elasticnet0.5", "breast_cancer.csv", "diagnosis", 0.1, l1_ratio=0.5),
        logistic_case("iris_C0.5_lasso", "iris.csv", "species", 0.5, l1_ratio=1.0),
        elasticnet_case("diabetes_elasticnet_alpha0.5_r0.7", 0.5, 0.7),
        elasticnet_case("diabetes_lasso_alpha2", 2.0, 1.0),
    ]
    out = {"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}
    with open(os.path.join(HERE, "golden.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
