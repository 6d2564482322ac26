#!/bin/sh
# The serving benchmark in one command, from the repository root:
#   bench/serving/run.sh [-duration 5s] [-batch-rows 1000000] [-peer-workers 2]
# Installs the peer's pinned Python packages into .venv when missing, builds the Go driver,
# and writes the table to bench/results/serving.md.
set -eu
cd "$(dirname "$0")/../.."
if [ ! -x .venv/bin/python ]; then
	python3 -m venv .venv
fi
.venv/bin/python -c "import lightgbm, pandas, fastapi, uvicorn" 2>/dev/null ||
	.venv/bin/pip install -q -r bench/serving/requirements.txt
mkdir -p tmp/bench-serving
go build -o tmp/bench-serving/benchserving ./bench/serving
exec tmp/bench-serving/benchserving -out bench/results/serving.md "$@"
