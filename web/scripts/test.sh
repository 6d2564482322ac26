#!/usr/bin/env bash
# The web app's tests: install the locked packages, type-check, the Vitest component tests,
# then the browser tests (a real server driven through Debian's chromium) when chromium is
# installed. Without chromium they are skipped, and this says so loudly.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null; then
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo "!!! WEB TESTS SKIPPED: npm is not installed" >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  exit 0
fi
echo "== web: npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "== web: typecheck"
npm run --silent typecheck
echo "== web: vitest"
npx vitest run

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo "!!! BROWSER TESTS SKIPPED: no chromium at $chromium" >&2
  echo "!!! install it with: apt-get install -y chromium" >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  exit 0
fi
echo "== web: browser tests (chromium: $chromium; screenshots in web/e2e/artifacts/)"
CHROMIUM="$chromium" npm run --silent e2e
