"""Reads the JSON lines of bench/text or bench/image and prints a markdown
table, engines side by side per dataset and learner."""
import json, sys

rows = [json.loads(l) for l in sys.stdin if l.strip()]
print("| dataset | learner | engine | train | test | features | accuracy | F1 | fit s | fit+predict s |")
print("|---|---|---|--:|--:|--:|--:|--:|--:|--:|")
for r in sorted(rows, key=lambda r: (r["dataset"], r["learner"], r["engine"])):
    f1 = f'{r["f1"]:.4f}' if r.get("f1") is not None else "–"
    print(f'| {r["dataset"]} | {r["learner"]} | {r["engine"]} | {r["train"]} | {r["test"]} | '
          f'{r.get("features", "–")} | {r["accuracy"]:.4f} | {f1} | {r["fit_s"]:.2f} | {r["total_s"]:.2f} |')
