"""scikit-learn peer for bench/text: TfidfVectorizer(ngram_range=(1, 2),
sublinear_tf=True, min_df=2) + LogisticRegression(C=10), same splits as
main.go (fine_foods_reviews: its split column; sms_spam: row index mod 5 == 0
is test). Prints one JSON line per dataset."""
import csv, json, sys, time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.metrics import accuracy_score, f1_score

csv.field_size_limit(1 << 30)


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    tr, te = ([], []), ([], [])
    for i, r in enumerate(rows):
        test = r["split"] == "test" if "split" in r else i % 5 == 0
        d = te if test else tr
        d[0].append(r["text"])
        d[1].append(r["label"])
    return tr, te


def main(folder):
    for name, pos in (("sms_spam", "spam"), ("fine_foods_reviews", "great")):
        (xtr, ytr), (xte, yte) = load(f"{folder}/{name}.csv")
        for learner, model in (("logistic", lambda: LogisticRegression(C=10, max_iter=1000)),
                               ("complement_nb", lambda: ComplementNB()),
                               ("multinomial_nb", lambda: MultinomialNB())):
            t0 = time.perf_counter()
            vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
            x = vec.fit_transform(xtr)
            m = model().fit(x, ytr)
            fit = time.perf_counter() - t0
            pred = m.predict(vec.transform(xte))
            total = time.perf_counter() - t0
            print(json.dumps({"engine": "scikit-learn", "dataset": name, "learner": learner,
                              "train": len(xtr), "test": len(xte), "features": len(vec.vocabulary_),
                              "accuracy": accuracy_score(yte, pred),
                              "f1": f1_score(yte, pred, pos_label=pos),
                              "fit_s": fit, "total_s": total}))


if __name__ == "__main__":
    main(sys.argv[1])
