#!/bin/sh
# AutoML side by side: Trainyard's search (`trainyard ml train --budget B`) against LightGBM
# with its defaults and FLAML with the same budget, on the same random splits of the shared
# datasets, 2 threads each. Usage from the repository root:
#   bench/automl/run.sh [--budget 20] [--splits 5] [--datasets adult,telco_churn] [--engines trainyard,lightgbm]
# (--merge keeps the other datasets of the last results; --combine OLD.json, with no run,
# fills engines and datasets missing from the last results from an earlier file)
# Writes bench/results/automl.json and bench/results/automl.md.
set -eu
cd "$(dirname "$0")/../.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -c "import lightgbm, flaml, sklearn, pandas" 2>/dev/null ||
	.venv/bin/pip install -q -r bench/automl/requirements.txt
go build -o bin/trainyard ./cmd/trainyard
exec .venv/bin/python bench/automl/bench.py "$@"
