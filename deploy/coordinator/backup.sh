#!/usr/bin/env bash
# Back up (or restore) the coordinator's database.
#
#   backup.sh [--db URL] --dest DIR [--keep-days N] one backup into DIR, then remove the
#                                                   backups older than N days (default 30;
#                                                   the newest one is always kept)
#   backup.sh [--db URL] --restore FILE             put FILE back into the database at URL
#
# URL is the coordinator's SQLAlchemy URL: sqlite:////var/lib/kiosk-coordinator/coordinator.db
# (copied with SQLite's online backup API: consistent while the server keeps writing), or
# postgresql+psycopg://user:password@host/db (pg_dump / pg_restore in custom format).
# Without --db: the first line of the file $KIOSK_COORDINATOR_DB_FILE, else
# $KIOSK_COORDINATOR_DB. A URL with a password never goes on a command line (ps shows it):
# pg_dump and pg_restore get it through a private PGPASSFILE and PG* variables.
set -euo pipefail

PROG=backup
PYTHON=${PYTHON:-python3}
db=""
dest=""
keep_days=30
restore=""

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
need_value() {
  if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value"; fi
}

while [ $# -gt 0 ]; do
  case "$1" in
    --db) need_value "$@"; db=$2; shift ;;
    --dest) need_value "$@"; dest=$2; shift ;;
    --keep-days) need_value "$@"; keep_days=$2; shift ;;
    --restore) need_value "$@"; restore=$2; shift ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done

if [ -z "$db" ] && [ -n "${KIOSK_COORDINATOR_DB_FILE:-}" ]; then
  [ -r "$KIOSK_COORDINATOR_DB_FILE" ] || die "KIOSK_COORDINATOR_DB_FILE $KIOSK_COORDINATOR_DB_FILE cannot be read"
  IFS= read -r db < "$KIOSK_COORDINATOR_DB_FILE" || true
  db=${db%$'\r'}
fi
[ -n "$db" ] || db=${KIOSK_COORDINATOR_DB:-}
[ -n "$db" ] || die "--db URL is required when neither KIOSK_COORDINATOR_DB_FILE nor KIOSK_COORDINATOR_DB is set"
case "$keep_days" in ''|*[!0-9]*) die "--keep-days must be a whole number of days, not '$keep_days'" ;; esac
[ "$keep_days" -ge 1 ] || die "--keep-days must be at least 1"

case "$db" in
  sqlite:///*) kind=sqlite; sqlite_path=${db#sqlite:///} ;;
  postgresql*://*) kind=postgresql ;;
  *) die "the database URL must be a sqlite:/// or postgresql:// URL (it is not repeated here: it may hold a password)" ;;
esac

# PostgreSQL: the URL's parts go to PGHOST, PGPORT, PGUSER, PGDATABASE (and PGSSLMODE) and
# its password to a PGPASSFILE readable by this user only, so no argument holds a secret.
pg_environment() {
  local dir key value
  dir=$(mktemp -d "${TMPDIR:-/tmp}/coordinator-backup.XXXXXX")
  export PGPASSFILE=$dir/pgpass
  trap 'rm -rf "${PGPASSFILE%/*}"' EXIT
  while IFS='=' read -r key value; do
    case "$key" in
      PGHOST|PGPORT|PGUSER|PGDATABASE|PGSSLMODE) export "$key=$value" ;;
      *) die "cannot read the PostgreSQL URL" ;;
    esac
  done < <(KIOSK_DB_URL=$db "$PYTHON" - "$PGPASSFILE" <<'PY' || echo "error="
import os
import sys
from urllib.parse import parse_qs, unquote, urlsplit

url = urlsplit(os.environ["KIOSK_DB_URL"])
query = parse_qs(url.query)
fields = {"PGHOST": url.hostname or query.get("host", [""])[0],
          "PGPORT": str(url.port or ""), "PGUSER": unquote(url.username or ""),
          "PGDATABASE": unquote(url.path.lstrip("/")),
          "PGSSLMODE": query.get("sslmode", [""])[0]}
if any("\n" in value for value in fields.values()):
    sys.exit("the database URL holds a line break")
password = unquote(url.password or "")
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
with os.fdopen(fd, "w") as passfile:
    if password:  # .pgpass escapes ':' and '\' with a backslash
        passfile.write("*:*:*:*:" + password.replace("\\", "\\\\").replace(":", "\\:") + "\n")
for key, value in fields.items():
    if value:
        print(f"{key}={value}")
PY
  )
  [ -n "${PGDATABASE:-}" ] || die "the PostgreSQL URL names no database"
}

# SQLite through Python's sqlite3 module: its backup() is SQLite's online backup API.
sqlite_copy() {  # source destination: page-by-page copy under SQLite's own locking
  "$PYTHON" - "$1" "$2" <<'EOF'
import sqlite3
import sys

source, target = sys.argv[1], sys.argv[2]
try:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(target, timeout=60)
    with dst:
        src.backup(dst)
    (verdict,) = dst.execute("PRAGMA integrity_check").fetchone()
    if verdict != "ok":
        sys.exit(f"the copy of {source} failed its integrity check: {verdict}")
    src.close()
    dst.close()
except sqlite3.Error as exc:
    sys.exit(f"{source}: {exc}")
EOF
}

backup_sqlite() {
  local stamp=$1 out tmp
  [ -f "$sqlite_path" ] || die "$sqlite_path: no such database file"
  out=$dest/coordinator-$stamp.sqlite3.gz
  tmp=$(mktemp "$dest/.coordinator-$stamp.XXXXXX")
  trap 'rm -f "$tmp" "$tmp.gz"' EXIT
  sqlite_copy "$sqlite_path" "$tmp" || die "backup of $sqlite_path failed; older backups kept"
  gzip -n -q "$tmp"
  mv -f "$tmp.gz" "$out"
  trap - EXIT
  say "wrote $out ($(stat -c %s "$out") bytes)"
}

backup_postgresql() {
  local stamp=$1 out tmp
  command -v pg_dump >/dev/null || die "pg_dump not found (apt-get install postgresql-client)"
  out=$dest/coordinator-$stamp.pgdump
  tmp=$(mktemp "$dest/.coordinator-$stamp.XXXXXX")
  trap 'rm -f "$tmp"; rm -rf "${PGPASSFILE%/*}"' EXIT
  pg_dump --format=custom --no-owner --file="$tmp" \
    || die "pg_dump failed; older backups kept"
  mv -f "$tmp" "$out"
  trap 'rm -rf "${PGPASSFILE%/*}"' EXIT
  say "wrote $out ($(stat -c %s "$out") bytes)"
}

prune() {
  local stamp=$1 newest old
  # Names carry a UTC time stamp, so the last in name order is the newest. The backup just
  # written is kept too, whatever age `find` gives it: its time comes from the file system
  # (a network share stamps it with its server's clock), and it is the one sure copy.
  newest=$(find "$dest" -maxdepth 1 -type f -name 'coordinator-*' | sort | tail -n 1)
  while IFS= read -r -d '' old; do
    [ "$old" = "$newest" ] && continue
    case $old in "$dest/coordinator-$stamp".*) continue ;; esac
    rm -f "$old"
    say "removed $old (older than $keep_days days)"
  done < <(find "$dest" -maxdepth 1 -type f -name 'coordinator-*' -mtime +"$((keep_days - 1))" -print0)
}

restore_sqlite() {
  local tmp
  [ -f "$restore" ] || die "$restore: no such backup file"
  mkdir -p "$(dirname "$sqlite_path")"
  tmp=$(mktemp "$(dirname "$sqlite_path")/.restore.XXXXXX")
  trap 'rm -f "$tmp"' EXIT
  case "$restore" in
    *.gz) gzip -dc "$restore" > "$tmp" || die "$restore is not a readable gzip file" ;;
    *) cp "$restore" "$tmp" ;;
  esac
  # Copied in through the backup API too, so a server that still has the file open sees
  # the restored pages instead of a file swapped under its feet.
  sqlite_copy "$tmp" "$sqlite_path" || die "restore into $sqlite_path failed"
  rm -f "$tmp"
  trap - EXIT
  say "restored $restore into $sqlite_path"
}

restore_postgresql() {
  [ -f "$restore" ] || die "$restore: no such backup file"
  command -v pg_restore >/dev/null || die "pg_restore not found (apt-get install postgresql-client)"
  pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$PGDATABASE" "$restore" \
    || die "pg_restore of $restore failed; the database was left as it was"
  say "restored $restore into the PostgreSQL database"
}

if [ "$kind" = postgresql ]; then pg_environment; fi

if [ -n "$restore" ]; then
  "restore_$kind"
  exit 0
fi

[ -n "$dest" ] || die "--dest DIR is required (where the backups go)"
mkdir -p "$dest"
chmod 0700 "$dest"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
"backup_$kind" "$stamp"
prune "$stamp"
