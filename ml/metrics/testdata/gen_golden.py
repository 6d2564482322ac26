"""Record scikit-learn's values of the metrics package's scores.

Run from the repository root with scikit-learn installed in .venv:

    .venv/bin/python ml/metrics/testdata/gen_golden.py

Predictions come from cross-validated scikit-learn models on the shared
datasets (../shared/datasets next to the repository, or TRAINYARD_DATASETS);
scores are rounded so that ties occur. The inputs and the reference values
are written to golden.json next to this script.
"""

import csv
import json
import os
import sys

import numpy as np
import sklearn
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import cross_val_predict
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import label_binarize

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.environ.get("TRAINYARD_DATASETS") or os.path.join(os.path.dirname(os.path.dirname(ROOT)), "shared", "datasets")


def load(name, target):
    with open(os.path.join(DATA, name), newline="") as f:
        rows = list(csv.DictReader(f))
    cols = [c for c in rows[0].keys() if c != target]
    x = np.array([[float(r[c]) for c in cols] for r in rows])
    return x, [r[target] for r in rows]


def classes(labels):
    names = sorted(set(labels))
    return np.array([names.index(v) for v in labels])


def report(y, pred, k):
    p, r, f, s = skm.precision_recall_fscore_support(y, pred, labels=list(range(k)), zero_division=0)
    out = {"perClass": [{"precision": p[c], "recall": r[c], "f1": f[c], "support": int(s[c])} for c in range(k)]}
    for avg in ("macro", "weighted"):
        p, r, f, _ = skm.precision_recall_fscore_support(y, pred, labels=list(range(k)), average=avg, zero_division=0)
        out[avg] = {"precision": p, "recall": r, "f1": f, "support": int(len(y))}
    return out


def thresholds(y, score):
    """Threshold choices computed directly from confusion counts."""
    ts = np.unique(score)[::-1]
    pos = (y == 1).sum()
    rows = []
    for t in ts:
        pred = score >= t
        tp = int((pred & (y == 1)).sum())
        fp = int((pred & (y == 0)).sum())
        prec, rec = tp / (tp + fp), tp / pos
        f1 = 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)
        rows.append((float(t), prec, rec, f1))
    recall90 = next(r for r in rows if r[2] >= 0.9)
    reach = [r for r in rows if r[1] >= 0.95]
    # Unreachable precision: the most precise threshold, the lowest on ties.
    prec95 = reach[-1] if reach else max(rows, key=lambda r: (r[1], -r[0]))
    best = max(rows, key=lambda r: (r[3], r[0]))
    as_dict = lambda r, ok=True: {"threshold": r[0], "precision": r[1], "recall": r[2], "f1": r[3], "achieved": ok}
    return {"recall90": as_dict(recall90), "precision95": as_dict(prec95, bool(reach)), "maxF1": as_dict(best)}


def binary_case(name, dataset, target, features, decimals):
    x, labels = load(dataset, target)
    y = classes(labels)
    x = x[:, features]
    proba = cross_val_predict(LogisticRegression(max_iter=1000), x, y, cv=5, method="predict_proba")[:, 1]
    score = np.round(proba, decimals)
    pred = (score >= 0.5).astype(int)
    fpr, tpr, thr = skm.roc_curve(y, score, drop_intermediate=False)
    prob_true, prob_pred = calibration_curve(y, score, n_bins=10, strategy="uniform")
    return {
        "name": name, "y": y.tolist(), "score": score.tolist(), "pred": pred.tolist(),
        "accuracy": skm.accuracy_score(y, pred),
        "balancedAccuracy": skm.balanced_accuracy_score(y, pred),
        "confusion": skm.confusion_matrix(y, pred).tolist(),
        "report": report(y, pred, 2),
        "rocAuc": skm.roc_auc_score(y, score),
        "averagePrecision": skm.average_precision_score(y, score),
        "logLoss": skm.log_loss(y, np.column_stack([1 - score, score])),
        "brier": skm.brier_score_loss(y, score),
        "roc": {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr[1:].tolist()},
        "calibration": {"fractionPositive": prob_true.tolist(), "meanPredicted": prob_pred.tolist()},
        "thresholds": thresholds(y, score),
    }


def multiclass_case(name, dataset, target, features, decimals):
    x, labels = load(dataset, target)
    y = classes(labels)
    k = int(y.max()) + 1
    proba = cross_val_predict(GaussianNB(), x[:, features], y, cv=5, method="predict_proba")
    proba = np.round(proba, decimals)
    pred = proba.argmax(axis=1)
    yb = label_binarize(y, classes=list(range(k)))
    return {
        "name": name, "y": y.tolist(), "proba": proba.tolist(), "pred": pred.tolist(),
        "accuracy": skm.accuracy_score(y, pred),
        "balancedAccuracy": skm.balanced_accuracy_score(y, pred),
        "confusion": skm.confusion_matrix(y, pred).tolist(),
        "report": report(y, pred, k),
        # Rounded probabilities no longer sum to exactly 1; the one-vs-rest
        # scores are per column, so compute them column by column.
        "rocAuc": float(np.mean([skm.roc_auc_score(yb[:, c], proba[:, c]) for c in range(k)])),
        "averagePrecision": skm.average_precision_score(yb, proba, average="macro"),
        "logLoss": float(np.mean(-np.log(np.clip(proba[np.arange(len(y)), y], np.finfo(float).eps, 1 - np.finfo(float).eps)))),
        "brier": float(np.mean(((yb - proba) ** 2).sum(axis=1))),
    }


def regression_case():
    x, labels = load("diabetes.csv", "disease_progression")
    y = np.array([float(v) for v in labels])
    pred = cross_val_predict(Ridge(alpha=1.0), x, y, cv=5)
    res = y - pred
    q = np.percentile(res, [5, 25, 50, 75, 95])
    return {
        "name": "diabetes_ridge_cv", "y": y.tolist(), "pred": pred.tolist(),
        "rmse": float(np.sqrt(skm.mean_squared_error(y, pred))),
        "mae": skm.mean_absolute_error(y, pred),
        "r2": skm.r2_score(y, pred),
        "mape": skm.mean_absolute_percentage_error(y, pred),
        "residuals": {"mean": float(res.mean()), "stdDev": float(res.std()), "min": float(res.min()),
                      "p05": q[0], "p25": q[1], "median": q[2], "p75": q[3], "p95": q[4], "max": float(res.max()),
                      "maxAbs": float(np.abs(res).max())},
    }


def main():
    out = {
        "sklearn": sklearn.__version__,
        "binary": [
            binary_case("breast_cancer_2feat", "breast_cancer.csv", "diagnosis", [1, 4], 2),
            binary_case("breast_cancer_radius_coarse", "breast_cancer.csv", "diagnosis", [0], 1),
            binary_case("breast_cancer_all_tied", "breast_cancer.csv", "diagnosis", [9], 1),
        ],
        "multiclass": [
            multiclass_case("wine_nb", "wine.csv", "cultivar", [0, 1, 2], 2),
            multiclass_case("iris_nb", "iris.csv", "species", [1], 1),
        ],
        "regression": [regression_case()],
    }
    with open(os.path.join(HERE, "golden.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
