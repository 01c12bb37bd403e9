"""`kiosk-coordinator`: serve the API, manage kiosks and users, print reports, import transfers.

Each subcommand is one entry of COMMANDS: a function that adds its arguments and a function
that runs it with an engine (or without one, like `serve`). A new subcommand is one
`_command(...)` call. Bad input gets one line on stderr and exit status 2; an unusable
database exit status 1.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass

PROG = "kiosk-coordinator"
DB_HELP = ("SQLAlchemy database URL, for tests and SQLite (default: the first line of the "
           "file $KIOSK_COORDINATOR_DB_FILE, else $KIOSK_COORDINATOR_DB, else an SQLite file "
           "in the data dir); a URL with a password belongs in that file, never on the "
           "command line, where `ps` shows it")


class UsageError(Exception):
    """Bad command-line input: one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable  # run(args, engine) -> int, or run(args) -> int when needs_db is False
    needs_db: bool = True


COMMANDS: dict[str, Command] = {}


def _command(name: str, help: str, arguments, *, needs_db: bool = True):
    """Register the decorated function as the subcommand `name`."""
    def register(run):
        COMMANDS[name] = Command(name, help, arguments, run, needs_db)
        return run
    return register


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def _quarter(text: str) -> str:
    from sync.coordinator.reports.periods import ReportError, normalise_quarter

    try:
        return normalise_quarter(text)
    except ReportError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _workers(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers (1-64)")
    return int(text)


def _serve_arguments(p):
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=8080)
    p.add_argument("--workers", type=_workers, default=1,
                   help="worker processes (default 1: up to a few thousand kiosks on SQLite; "
                        "with PostgreSQL, about one per core, see docs/coordinator.md)")
    p.add_argument("--access-log", action="store_true",
                   help="log every request with the client's address (debugging only: by "
                        "default no such log is kept, it would tell when kiosks push)")


@_command("serve", "run the web service (API and dashboard)", _serve_arguments, needs_db=False)
def _serve(args) -> int:
    import os
    import secrets

    import uvicorn

    from sync.coordinator import app, db

    if args.workers == 1:
        uvicorn.run(app.create_app(args.db), host=args.host, port=args.port,
                    proxy_headers=True, log_level="info", access_log=args.access_log)
        return 0
    # Migrate once here, not in N workers at the same time; each worker then builds its app
    # (app.app_from_env) on the same URL, passed in the environment, never on a command line.
    db.migrate(db.make_engine(args.db))
    if args.db:
        os.environ[app.SERVE_DB_ENV] = args.db
    # The session cookie must open on every worker: one secret for all of them.
    os.environ.setdefault("KIOSK_COORDINATOR_SECRET", secrets.token_urlsafe(32))
    uvicorn.run("sync.coordinator.app:app_from_env", factory=True, workers=args.workers,
                host=args.host, port=args.port, proxy_headers=True, log_level="info",
                access_log=args.access_log)
    return 0


def _add_kiosk_arguments(p):
    p.add_argument("--name", required=True)
    p.add_argument("--commune", required=True,
                   help="a commune's name or INSEE code (see `communes list`)")
    p.add_argument("--new-commune", action="store_true",
                   help="add --commune to the network's communes even if it looks like a "
                        "typo of a known one")
    p.add_argument("--db", help=DB_HELP)


@_command("add-kiosk", "register a kiosk and print its token once", _add_kiosk_arguments)
def _add_kiosk(args, engine) -> int:
    from sqlalchemy import select

    from sync.coordinator import kiosks
    from sync.coordinator.schema import kiosks as table

    token = kiosks.add_kiosk(engine, args.name, args.commune, new_commune=args.new_commune)
    with engine.connect() as conn:
        commune = conn.execute(select(table.c.commune)
                               .where(table.c.name == args.name.strip())).scalar_one()
    print(f"Kiosk {args.name.strip()!r} ({commune}) added. Its token, "
          "shown only this once (put it in the kiosk's token_file, mode 0600):")
    print(token)
    return 0


def _communes_arguments(p):
    p.add_argument("action", nargs="?", default="list",
                   choices=("list", "rename", "merge", "hide", "show"),
                   help="list (default); rename COMMUNE NEW_NAME; merge SOURCE TARGET (the "
                        "source's kiosks and their counts move to the target); hide COMMUNE "
                        "/ show COMMUNE in the dashboard's lists")
    p.add_argument("names", nargs="*", help="commune names or INSEE codes")
    p.add_argument("--db", help=DB_HELP)


_COMMUNE_ARITY = {"list": 0, "rename": 2, "merge": 2, "hide": 1, "show": 1}


@_command("communes", "the network's communes: list, rename, merge, hide, show",
          _communes_arguments)
def _communes(args, engine) -> int:
    from sync.coordinator import communes

    if len(args.names) != _COMMUNE_ARITY[args.action]:
        raise UsageError(f"communes {args.action} takes {_COMMUNE_ARITY[args.action]} "
                         f"name(s), not {len(args.names)}")
    if args.action == "list":
        for row in communes.overview(engine):
            c = row["commune"]
            origin = c.insee or "réseau"
            shown = "" if c.active else "\tmasquée"
            print(f"{origin}\t{c.name}\t{row['active_kiosks']} borne(s) en service{shown}")
    elif args.action == "rename":
        renamed = communes.rename(engine, *args.names)
        print(f"Commune renamed {renamed.name!r}; its kiosks and figures follow.")
    elif args.action == "merge":
        moved, target = communes.merge(engine, *args.names)
        print(f"{moved} kiosk(s) moved to {target.name!r} with all their counts.")
    else:
        commune = communes.set_active(engine, args.names[0], args.action == "show")
        print(f"Commune {commune.name!r} {'shown' if commune.active else 'hidden'} in lists.")
    return 0


def _name_arguments(p):
    p.add_argument("name")
    p.add_argument("--db", help=DB_HELP)


@_command("revoke-kiosk", "revoke a kiosk's token at once", _name_arguments)
def _revoke_kiosk(args, engine) -> int:
    from sync.coordinator import kiosks

    kiosks.revoke_kiosk(engine, args.name)
    print(f"Kiosk {args.name!r} revoked: its token is refused from now on.")
    return 0


@_command("reset-installs", "forget a kiosk's install ids so a reflashed kiosk may push again",
          _name_arguments)
def _reset_installs(args, engine) -> int:
    from sync.coordinator import kiosks

    forgotten = kiosks.reset_installs(engine, args.name, by="cli")
    print(f"Kiosk {args.name!r}: {forgotten} install id(s) forgotten; its next "
          f"{kiosks.MAX_INSTALLS} installs are accepted. Its counts stay.")
    return 0


def _login_arguments(p):
    p.add_argument("login")
    p.add_argument("--db", help=DB_HELP)


def _role_arguments(p, *, required: bool):
    _login_arguments(p)
    p.add_argument("--role", choices=("admin", "reader", "commune"), required=required,
                   default=None if required else "admin",
                   help="admin: accounts, kiosks, tokens and every figure; reader: every "
                        "figure; commune: the figures of --commune only")
    p.add_argument("--commune", help="the commune a 'commune' account sees")


def _ask_password() -> str:
    if not sys.stdin.isatty():
        # Scripts pipe the password on standard input (one line).
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Mot de passe (encore) : ") != password:
            raise UsageError("the two passwords differ")
    if not password:
        raise UsageError("the password is empty")
    return password


@_command("add-user", "create a dashboard account (password asked)",
          lambda p: _role_arguments(p, required=False))
def _add_user(args, engine) -> int:
    from sync.coordinator import users

    commune = _known_commune(engine, args.commune)
    users.check_role(args.role, commune)  # before asking for a password
    user = users.create_user(engine, args.login, _ask_password(), args.role, commune)
    print(f"User {user.login!r} created ({_role_words(user)}).")
    return 0


@_command("set-role", "change a dashboard account's role",
          lambda p: _role_arguments(p, required=True))
def _set_role(args, engine) -> int:
    from sync.coordinator import users

    commune = _known_commune(engine, args.commune)
    users.set_role(engine, args.login, args.role, commune)
    print(f"User {args.login!r} is now {args.role}{f' of {commune}' if commune else ''}.")
    return 0


@_command("set-password", "replace a dashboard account's password (ends its sessions)",
          _login_arguments)
def _set_password(args, engine) -> int:
    from sync.coordinator import users

    ended = users.set_password(engine, args.login, _ask_password())
    print(f"User {args.login!r}: password changed, {ended} open session(s) ended.")
    return 0


@_command("remove-user", "delete a dashboard account (its sessions end at once)",
          _login_arguments)
def _remove_user(args, engine) -> int:
    from sync.coordinator import users

    users.remove_user(engine, args.login)
    print(f"User {args.login!r} removed.")
    return 0


def _db_only_arguments(p):
    p.add_argument("--db", help=DB_HELP)


@_command("list-users", "the dashboard accounts and their roles", _db_only_arguments)
def _list_users(args, engine) -> int:
    from sync.coordinator import users

    for user in users.list_users(engine):
        state = "" if user.active else "\tdisabled"
        print(f"{user.login}\t{_role_words(user)}{state}")
    return 0


def _known_commune(engine, text: str | None) -> str | None:
    """A commune account's commune, spelt as the network's list has it."""
    from sync.coordinator import communes

    return communes.name_of(engine, text) if text and text.strip() else text


def _role_words(user) -> str:
    return f"commune of {user.commune}" if user.role == "commune" else user.role


def _year(text: str) -> int:
    from sync.coordinator.reports.periods import ReportError, parse_year

    try:
        return parse_year(text)
    except ReportError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _report_arguments(p):
    from sync.coordinator.reports.files import FORMATS

    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--quarter", type=_quarter, help="the quarterly table (json, csv, xlsx)")
    which.add_argument("--year", type=_year, help="the annual report, as a PDF (--format pdf)")
    p.add_argument("--format", choices=(*FORMATS, "pdf"),
                   help="json (default for --quarter), csv, xlsx; pdf for --year")
    p.add_argument("--out", help="file to write (default: standard output)")
    p.add_argument("--db", help=DB_HELP)


@_command("report", "the quarterly table, or the annual report as a PDF", _report_arguments)
def _report(args, engine) -> int:
    import datetime as dt

    from sync.coordinator.reports import files, pdf

    if args.year is not None:
        if args.format not in (None, "pdf"):
            raise UsageError("--year makes the annual report as a PDF: use --format pdf")
        if args.out is None:
            raise UsageError("the pdf format needs --out FILE")
        pdf.write_annual_pdf(engine, args.year, args.out, dt.date.today())
        return 0
    fmt = args.format or "json"
    if fmt == "pdf":
        raise UsageError("argument --format: invalid choice 'pdf' with --quarter: the PDF is "
                         "the annual report (use --year YYYY --format pdf)")
    if args.out is not None:
        files.write_report(engine, args.quarter, fmt, args.out)
    elif fmt == "xlsx":
        raise UsageError("the xlsx format needs --out FILE")
    else:
        files.write_quarter(engine, args.quarter, fmt, sys.stdout)
    return 0


def _places_arguments(p):
    from sync.coordinator.places import FORMATS

    p.add_argument("--format", choices=FORMATS, default="json")
    p.add_argument("--db", help=DB_HELP)


@_command("places", "the permanences' profiles (annex 1), one per active kiosk",
          _places_arguments)
def _places(args, engine) -> int:
    from sync.coordinator.places import write_places

    write_places(engine, args.format, sys.stdout)
    return 0


def _import_arguments(p):
    p.add_argument("file", help="the file written by `kiosk transfer --out`")
    p.add_argument("--db", help=DB_HELP)


@_command("import", "file a kiosk's offline transfer file", _import_arguments)
def _import(args, engine) -> int:
    from pathlib import Path

    from sync.coordinator.ingest import Refused
    from sync.coordinator.kiosks import Revoked, TooManyInstalls
    from sync.coordinator.transfers import import_file
    from sync.transfer import TransferError

    try:
        filed = import_file(engine, Path(args.file).read_bytes())
    except (OSError, TransferError, TooManyInstalls, Refused, Revoked) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise UsageError(f"import {args.file}: {reason}; nothing was filed") from None
    for item in filed:
        print(f"{item.kiosk_name}: {item.days} day(s), {item.visits} visit(s); "
              f"{item.updated} day(s) new or newer, the others already held.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="The permanence kiosks' coordinator service.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS.values():
        command.arguments(sub.add_parser(command.name, help=command.help))
    return parser


def _engine(url):
    from sync.coordinator import db

    engine = db.make_engine(url)
    db.migrate(engine)
    return engine


def _run(args) -> int:
    from sync.coordinator.kiosks import KioskError

    command = COMMANDS[args.command]
    if not command.needs_db:
        return command.run(args)
    engine = _engine(args.db)
    try:
        return command.run(args, engine)
    except KioskError as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.dispose()


def main(argv=None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from sync.coordinator.db import DatabaseError

    try:
        return _run(_parser().parse_args(argv))
    except (UsageError, DatabaseError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        # users.create_user / the reports refuse bad input with ValueError.
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"{PROG}: database problem: {first}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
