"""scikit-learn floor for bench/image: LogisticRegression and MLPClassifier on
raw pixels scaled to [0, 1], on the same data as main.go (fashion_mnist's
3,000 train / 1,000 test PNGs; MNIST: the first 300 training images of each
digit, tested on the 10,000 official test images). One JSON line per run."""
import csv, gzip, json, os, sys, time

import numpy as np
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier


def fashion(folder):
    base = os.path.join(folder, "fashion_mnist")
    tr, te = ([], []), ([], [])
    with open(os.path.join(base, "labels.csv"), newline="") as f:
        for r in csv.DictReader(f):
            px = np.asarray(Image.open(os.path.join(base, r["path"])).convert("L"), dtype=np.float32) / 255
            d = te if r["path"].startswith("test/") else tr
            d[0].append(px.ravel())
            d[1].append(r["label"])
    return (np.array(tr[0]), tr[1]), (np.array(te[0]), te[1])


def idx(images, labels, per_class):
    with gzip.open(images) as f:
        ib = f.read()
    with gzip.open(labels) as f:
        lb = f.read()
    n = int.from_bytes(ib[4:8], "big")
    h, w = int.from_bytes(ib[8:12], "big"), int.from_bytes(ib[12:16], "big")
    x = np.frombuffer(ib, dtype=np.uint8, offset=16).reshape(n, h * w).astype(np.float32) / 255
    y = np.frombuffer(lb, dtype=np.uint8, offset=8)
    if per_class:
        keep, count = [], {}
        for i, l in enumerate(y):
            if count.get(l, 0) < per_class:
                count[l] = count.get(l, 0) + 1
                keep.append(i)
        x, y = x[keep], y[keep]
    return x, [str(v) for v in y]


def measure(name, tr, te):
    for learner, make in (("logistic (raw pixels)", lambda: LogisticRegression(max_iter=1000)),
                          ("mlp (raw pixels, 100 hidden)", lambda: MLPClassifier(random_state=1, max_iter=200))):
        t0 = time.perf_counter()
        m = make().fit(*tr)
        fit = time.perf_counter() - t0
        acc = float(np.mean(m.predict(te[0]) == np.array(te[1])))
        print(json.dumps({"engine": "scikit-learn", "dataset": name, "learner": learner,
                          "train": len(tr[1]), "test": len(te[1]), "accuracy": acc,
                          "fit_s": fit, "total_s": time.perf_counter() - t0}), flush=True)


def main(folder, mnist):
    measure("fashion_mnist", *fashion(folder))
    if mnist:
        tr = idx(f"{mnist}/train-images-idx3-ubyte.gz", f"{mnist}/train-labels-idx1-ubyte.gz", 300)
        te = idx(f"{mnist}/t10k-images-idx3-ubyte.gz", f"{mnist}/t10k-labels-idx1-ubyte.gz", 0)
        measure("mnist_digits_3000", tr, te)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
