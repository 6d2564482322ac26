#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server and TRAINYARD_TEST_POSTGRES_URL pointing at it.
#
#   scripts/with-postgres.sh go test ./internal/store/...
#
# The cluster lives in a temporary folder and is removed when the command ends. When
# TRAINYARD_TEST_POSTGRES_URL is already set, the command runs against that server instead.
# When no PostgreSQL binaries are found, the command runs without it (Postgres tests then say
# loudly that they skipped).
set -euo pipefail

if [[ -n "${TRAINYARD_TEST_POSTGRES_URL:-}" ]]; then
  exec "$@"
fi

bindir=""
for d in "$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent)")" /usr/lib/postgresql/*/bin; do
  if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then bindir=$d; break; fi
done
if [[ -z "$bindir" ]]; then
  echo "with-postgres: no initdb/pg_ctl found; running without PostgreSQL" >&2
  exec "$@"
fi

dir=$(mktemp -d -t trainyard-pg.XXXXXX)
chmod 755 "$dir"
run_as=()
if [[ $(id -u) -eq 0 ]]; then
  # PostgreSQL refuses to run as root: hand the cluster to an unprivileged account.
  user=postgres
  id "$user" >/dev/null 2>&1 || user=nobody
  chown "$user" "$dir"
  run_as=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups --)
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
"${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export TRAINYARD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
echo "with-postgres: PostgreSQL on port $port (throwaway cluster)" >&2
set +e
"$@"
status=$?
set -e
exit $status
