# shellcheck shell=bash
# Sourced by scripts/test: a throw-away PostgreSQL cluster from Debian's packages on
# 127.0.0.1, for the coordinator's PostgreSQL tests. Exports KIOSK_TEST_PG_URL.
pg_bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n 1)
if [ -z "$pg_bin" ]; then
  echo "start-postgres: PostgreSQL is not installed (scripts/setup.sh test installs it)" >&2
  return 1
fi
pg_port=${KIOSK_TEST_PG_PORT:-54329}
pg_dir=$(mktemp -d /tmp/kiosk-pg.XXXXXX)
pg_as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$pg_dir"   # initdb refuses to run as root
  pg_as=(runuser -u postgres --)
fi
"${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
"${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off" start >/dev/null
export KIOSK_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$pg_port/postgres"
stop_postgres() {
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
