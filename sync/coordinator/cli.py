"""`kiosk-coordinator`: serve the API, manage kiosks and users, print reports, import transfers.

Bad input gets one line on stderr and exit status 2; an unusable database exit status 1.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from kiosk.periods import parse_quarter

PROG = "kiosk-coordinator"


class UsageError(Exception):
    """Bad command-line input: one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def _quarter(text: str) -> str:
    try:
        parse_quarter(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="The permanence kiosks' coordinator service.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    db_help = "SQLAlchemy database URL (default: SQLite file in the data dir)"

    serve = sub.add_parser("serve", help="run the web service (API and dashboard)")
    serve.add_argument("--db", help=db_help)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8080)

    add = sub.add_parser("add-kiosk", help="register a kiosk and print its token once")
    add.add_argument("--name", required=True)
    add.add_argument("--commune", required=True)
    add.add_argument("--db", help=db_help)

    revoke = sub.add_parser("revoke-kiosk", help="revoke a kiosk's token at once")
    revoke.add_argument("name")
    revoke.add_argument("--db", help=db_help)

    user = sub.add_parser("add-user", help="create a dashboard account (password asked)")
    user.add_argument("login")
    user.add_argument("--db", help=db_help)

    report = sub.add_parser("report", help="the quarterly table")
    report.add_argument("--quarter", required=True, type=_quarter)
    report.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
    report.add_argument("--out", help="file to write (default: standard output)")
    report.add_argument("--db", help=db_help)

    imp = sub.add_parser("import", help="file a kiosk's offline transfer file")
    imp.add_argument("file", help="the file written by `kiosk transfer --out`")
    imp.add_argument("--db", help=db_help)
    return parser


def _import(engine, path: str) -> None:
    from pathlib import Path

    from sync.coordinator.transfers import import_file
    from sync.transfer import TransferError

    try:
        data = Path(path).read_bytes()
        filed = import_file(engine, data)
    except (OSError, TransferError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise UsageError(f"import {path}: {reason}; nothing was filed") from None
    for item in filed:
        print(f"{item.kiosk_name}: {item.days} day(s), {item.visits} visit(s); "
              f"{item.updated} day(s) new or newer, the others already held.")


def _engine(url):
    from sync.coordinator import db

    engine = db.make_engine(url)
    db.migrate(engine)
    return engine


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


def _run(args) -> int:
    from sync.coordinator import tokens

    if args.command == "serve":
        import uvicorn

        from sync.coordinator.app import create_app

        app = create_app(args.db)
        uvicorn.run(app, host=args.host, port=args.port, proxy_headers=True,
                    log_level="info")
        return 0
    engine = _engine(args.db)
    try:
        if args.command == "add-kiosk":
            token = tokens.add_kiosk(engine, args.name, args.commune)
            print(f"Kiosk {args.name.strip()!r} ({args.commune.strip()}) added. Its token, "
                  "shown only this once (put it in the kiosk's token_file, mode 0600):")
            print(token)
        elif args.command == "revoke-kiosk":
            tokens.revoke_kiosk(engine, args.name)
            print(f"Kiosk {args.name!r} revoked: its token is refused from now on.")
        elif args.command == "add-user":
            from sync.coordinator.users import create_user

            create_user(engine, args.login, _ask_password())
            print(f"User {args.login!r} created.")
        elif args.command == "report":
            from sync.coordinator.reports import write_report

            write_report(engine, args.quarter, args.format, args.out)
        elif args.command == "import":
            _import(engine, args.file)
    except tokens.KioskError as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.dispose()
    return 0


def main(argv=None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from sync.coordinator.db import DatabaseError

    try:
        return _run(_parser().parse_args(argv))
    except (UsageError, DatabaseError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        # users.create_user / reports.write_report refuse bad input with ValueError.
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
