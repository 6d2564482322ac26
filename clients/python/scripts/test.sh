#!/usr/bin/env bash
# Tests the Python SDK from scratch the way a user installs it: checks that the generated
# modules match gen/python, installs the package into its own venv (clients/python/.venv,
# dependencies once, the package itself on every run) and runs pytest against a real server
# built from this checkout (TRAINYARD_BIN, else built here).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(cd ../.. && pwd)
python3 scripts/sync_generated.py --check
venv=.venv
if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv"
fi
stamp=$venv/.deps-$(sha256sum pyproject.toml | cut -c1-16)
if [[ ! -f $stamp ]]; then
  "$venv/bin/pip" install -q --disable-pip-version-check '.[test]'
  touch "$stamp"
fi
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall .
if [[ -z "${TRAINYARD_BIN:-}" ]]; then
  export TRAINYARD_BIN=$repo/tmp/client-tests/trainyard
  (cd "$repo" && go build -o "$TRAINYARD_BIN" ./cmd/trainyard)
fi
cd tests
exec "../$venv/bin/python" -m pytest -q -p no:cacheprovider .
