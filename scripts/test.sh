#!/usr/bin/env bash
# The test suite `make test` runs: Go (vet + tests), then the client and browser suites that
# exist. Postgres variants run when TRAINYARD_TEST_POSTGRES_URL is set (make test sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PWD/.venv/bin:$PATH"
export TRAINYARD_PYTHON="$PWD/.venv/bin/python"
# The ONNX parity tests must run, not skip: make test installs onnxruntime into .venv.
export TRAINYARD_REQUIRE_ONNXRUNTIME=1
if [[ -z "${TRAINYARD_TEST_POSTGRES_URL:-}" ]]; then
  echo "WARNING: TRAINYARD_TEST_POSTGRES_URL is not set: the PostgreSQL variants of the store tests will skip" >&2
fi

echo "== go vet"
go vet ./...
echo "== go test"
go test -count=1 -timeout 30m ./...

# ---- web app (owned by the web UI; details in web/scripts/test.sh) -----------------------------
# Vitest component tests, then the browser tests against a real server in Debian's chromium;
# without chromium the browser tests are skipped with a loud notice.
web/scripts/test.sh

# ---- Python SDK (owned by the SDK/CLI; details in clients/python/scripts/test.sh) --------------
# Generated modules current, `pip install ./clients/python` into clients/python/.venv, then pytest
# against a real server: upload → create → watch (through a dropped connection) → COMPLETED →
# predict → ONNX download run in onnxruntime.
clients/python/scripts/test.sh

# ---- TypeScript SDK (owned by the SDK/CLI; details in clients/typescript/scripts/test.sh) ------
# src/gen current, npm ci (builds dist with tsc), then vitest against a real server: the same flow
# over Connect and gRPC from Node, and the browser client's REST upload.
clients/typescript/scripts/test.sh
