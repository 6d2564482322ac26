#!/bin/sh
# Prediction throughput of our predictor vs LightGBM and onnxruntime (see
# predict.py). Usage from the repository root:
#   bench/ml/predict.sh [--datasets telco_churn,adult] [--rows 200000] [--runs 5]
set -eu
cd "$(dirname "$0")/../.."
if [ ! -x .venv/bin/python ]; then
	python3 -m venv .venv
fi
.venv/bin/python -c "import lightgbm, onnxruntime, pandas" 2>/dev/null ||
	.venv/bin/pip install -q -r bench/ml/requirements.txt onnxruntime
mkdir -p tmp/bench-ml
go build -o tmp/bench-ml/benchpredict ./bench/ml/predict
exec .venv/bin/python bench/ml/predict.py "$@"
