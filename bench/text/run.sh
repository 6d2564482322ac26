#!/usr/bin/env bash
# Runs ml/text and the scikit-learn peer on the same splits and prints one
# markdown table. Usage: bench/text/run.sh [datasets folder]
set -euo pipefail
cd "$(dirname "$0")/../.."
data="${1:-../shared/datasets}"
py=.venv/bin/python
[ -x "$py" ] || { python3 -m venv .venv && .venv/bin/pip install -q -r bench/text/requirements.txt; }
out=$(mktemp)
go run ./bench/text -data "$data" >"$out"
"$py" bench/text/peer.py "$data" >>"$out"
"$py" bench/text/table.py <"$out"
rm -f "$out"
