#!/usr/bin/env bash
# Tests the TypeScript SDK from scratch: checks that src/gen matches gen/ts, installs the locked
# dependencies (npm ci, which also builds dist with tsc), type-checks the tests, and runs vitest
# against a real server built from this checkout (TRAINYARD_BIN, else built here).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(cd ../.. && pwd)
node scripts/sync-gen.mjs --check
npm ci --no-audit --no-fund --loglevel=error
npx tsc -p tsconfig.test.json
if [[ -z "${TRAINYARD_BIN:-}" ]]; then
  export TRAINYARD_BIN=$repo/tmp/client-tests/trainyard
  (cd "$repo" && go build -o "$TRAINYARD_BIN" ./cmd/trainyard)
fi
exec npm test
