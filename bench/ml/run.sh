#!/bin/sh
# Side-by-side GBDT benchmark (see bench.py). Usage from the repository root:
#   bench/ml/run.sh [--repeats N] [--datasets adult,letter] [--engines gbdt,lightgbm]
# Creates .venv with the pinned Python packages if needed, prepares the fixed
# splits under tmp/bench-ml, builds the Go command, writes bench/results/.
set -eu
cd "$(dirname "$0")/../.."
if [ ! -x .venv/bin/python ]; then
	python3 -m venv .venv
fi
.venv/bin/python -c "import lightgbm, xgboost, sklearn, pandas, psutil" 2>/dev/null ||
	.venv/bin/pip install -q -r bench/ml/requirements.txt
mkdir -p tmp/bench-ml
go build -o tmp/bench-ml/benchml ./bench/ml
exec .venv/bin/python bench/ml/bench.py "$@"
