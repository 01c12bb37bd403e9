"""The `kiosk` command line: run, tally, sync, export, transfer, set-pin, speech-render.

Every failure the user can cause (arguments, config, a locked or unreadable store) ends
with one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import re
import sys
import tomllib
from pathlib import Path

from kiosk import config as config_mod
from kiosk.catalogue import load as load_catalogue
from kiosk.i18n import Message, translate

USAGE_ERROR = 2
FAILURE = 1


class CliError(Exception):
    """One line for stderr; `status` is the exit status."""

    def __init__(self, message: str, status: int = USAGE_ERROR):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and still exit status 2)."""

    def error(self, message):
        raise CliError(f"{self.prog}: {message} (see {self.prog} --help)")


def _load_config(args) -> config_mod.Config:
    path = args.config or os.environ.get("KIOSK_CONFIG") or config_mod.default_path()
    try:
        return config_mod.load(path)
    except config_mod.ConfigError as exc:
        raise CliError(str(exc)) from None


def _open_store(cfg, *, readonly: bool):
    from kiosk.store import Store, StoreError

    try:
        return Store.for_config(cfg, readonly=readonly)
    except StoreError as exc:
        raise CliError(str(exc)) from None


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-11-26") from None


# --- commands ------------------------------------------------------------------------------


def cmd_run(args) -> int:
    cfg = _load_config(args)
    try:
        from kiosk.app import KioskApp
    except ModuleNotFoundError as exc:
        if exc.name in ("kiosk.app", "kivy"):
            raise CliError("kiosk run: the touchscreen app is not installed "
                           f"({exc.name} is missing)", FAILURE) from None
        raise
    from kiosk.store import StoreError

    try:
        app = KioskApp(cfg)
    except StoreError as exc:
        raise CliError(f"kiosk run: {exc}", FAILURE) from None
    app.run()
    return 0


def cmd_tally(args) -> int:
    from kiosk.tally import day_tally

    cfg = _load_config(args)
    with _open_store(cfg, readonly=True) as store:
        tally = day_tally(store, args.day)
        known = bool(store.install_id)
    if args.json:
        print(json.dumps({"day": tally.day.isoformat(), "counts": tally.counts,
                          "total": tally.total}, ensure_ascii=False))
        return 0
    catalogue = load_catalogue()
    print(f"{cfg.permanence.name} — {tally.day.isoformat()}")
    width = max(len(c.text("short", "fr")) for c in catalogue.categories)
    for category in catalogue.categories:
        print(f"  {category.text('short', 'fr'):<{width}}  {tally.counts[category.id]:>4}")
    print(f"  {'Total':<{width}}  {tally.total:>4}")
    if tally.pending:
        print(f"  + {tally.pending} visite(s) en attente d'une date "
              f"({translate('fr', Message(tally.clock_reason))})")
    if not known:
        print(f"(aucun comptage encore dans {cfg.kiosk.data_dir})", file=sys.stderr)
    return 0


def cmd_sync(args) -> int:
    cfg = _load_config(args)
    if not cfg.coordinator.enabled:
        raise CliError("kiosk sync: no coordinator configured (coordinator.url is empty)",
                       FAILURE)
    try:
        from sync.client import SyncClient
    except ModuleNotFoundError as exc:
        if exc.name in ("sync.client", "sync"):
            raise CliError("kiosk sync: the sync client is not installed "
                           "(sync/client.py is missing)", FAILURE) from None
        raise
    from kiosk.store import Store, StoreError, StoreLocked

    try:
        store = Store.for_config(cfg)
        shared = ""
    except StoreLocked:
        # The app holds the writer lock: push from a read-only view; the app's own sync
        # will record the acknowledgements (the coordinator's upsert is idempotent).
        store = _open_store(cfg, readonly=True)
        shared = " (the app is running: its next sync records the acknowledgement)"
    except StoreError as exc:
        raise CliError(str(exc)) from None
    with store:
        result = SyncClient(cfg, store).sync_now(resend_all=args.all)
    lang = cfg.kiosk.languages[0]
    words = " ".join(translate(lang, message) for message in result.messages())
    if result.ok:
        print(f"{words}{shared}")
        return 0
    print(f"kiosk sync: {words}", file=sys.stderr)
    return FAILURE


def cmd_export(args) -> int:
    from kiosk.export import write_quarter_csv
    from kiosk.periods import parse_quarter

    try:
        parse_quarter(args.quarter)
    except ValueError as exc:
        raise CliError(f"kiosk export: --quarter {exc}") from None
    cfg = _load_config(args)
    out = Path(args.out) if args.out else Path(f"permanence-{args.quarter.strip()}.csv")
    if out.is_dir():
        out = out / f"permanence-{args.quarter.strip()}.csv"
    with _open_store(cfg, readonly=True) as store:
        try:
            path = write_quarter_csv(store, args.quarter, out)
        except OSError as exc:
            raise CliError(f"kiosk export: cannot write {out}: {exc.strerror or exc}",
                           FAILURE) from None
    print(path)
    return 0


def cmd_transfer(args) -> int:
    """The unsent days as a signed file or QR codes; nothing is marked sent (only a push's
    200 does that, and the revision rule makes the later push count once)."""
    cfg = _load_config(args)
    if not cfg.coordinator.enabled:
        raise CliError("kiosk transfer: no coordinator configured (coordinator.url is empty)",
                       FAILURE)
    from sync import transfer
    from sync.client import SyncError

    try:
        token = transfer.kiosk_token(cfg)
    except SyncError as exc:
        raise CliError(f"kiosk transfer: {exc}", FAILURE) from None
    with _open_store(cfg, readonly=True) as store:
        source, days, refused = transfer.from_store(store, token, load_catalogue().version)
    for reason in refused:
        print(f"kiosk transfer: day kept on the kiosk, not transferable: {reason}",
              file=sys.stderr)
    if not days:
        print("kiosk transfer: no unsent day; nothing written")
        return 0
    try:
        if args.out:
            out = Path(args.out)
            from kiosk.storage import write_atomic

            text = transfer.file_text(transfer.file_payloads_for(source, days))
            write_atomic(out, text.encode("ascii"), 0o644)
            print(f"{out}: {len(days)} day(s)")
        else:
            texts = transfer.qr_texts(source, days, cfg.coordinator.url)
            paths = transfer.write_qr_pngs(texts, Path(args.qr))
            print(f"{Path(args.qr)}: {len(days)} day(s) in {len(paths)} QR code(s), "
                  f"transfer-1.png to transfer-{len(paths)}.png")
    except OSError as exc:
        target = args.out or args.qr
        raise CliError(f"kiosk transfer: cannot write {target}: {exc.strerror or exc}",
                       FAILURE) from None
    except ValueError as exc:
        raise CliError(f"kiosk transfer: {exc}", FAILURE) from None
    return 1 if refused else 0


def _read_pin_twice() -> tuple[str, str]:
    if sys.stdin.isatty():
        try:
            return (getpass.getpass("New mediator PIN (6 to 12 digits): "),
                    getpass.getpass("The same PIN again: "))
        except EOFError:
            raise CliError("kiosk set-pin: no PIN given") from None
    lines = sys.stdin.read().splitlines()
    if len(lines) < 2:
        raise CliError("kiosk set-pin: give the PIN twice, one per line, on standard input")
    return lines[0].strip(), lines[1].strip()


_SECTION = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\s*(#.*)?$")
_PIN_LINE = re.compile(r"^\s*pin_hash\s*=")


def set_pin_hash(text: str, pin_hash: str) -> str:
    """The config text with `[mediator] pin_hash` set; every other line kept as it was."""
    lines = text.splitlines(keepends=True)
    new_line = f'pin_hash = "{pin_hash}"\n'
    section = None
    header_at = None
    for index, line in enumerate(lines):
        match = _SECTION.match(line)
        if match and not line.lstrip().startswith("[["):
            section = match.group(1).strip()
            if section == "mediator":
                header_at = index
            continue
        if section == "mediator" and _PIN_LINE.match(line):
            indent = line[: len(line) - len(line.lstrip())]
            lines[index] = indent + new_line
            return "".join(lines)
    if header_at is not None:
        lines.insert(header_at + 1, new_line)
        return "".join(lines)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return "".join(lines) + f"\n[mediator]\n{new_line}"


def cmd_set_pin(args) -> int:
    from kiosk.pin import MAX_DIGITS, MIN_DIGITS, hash_pin, valid_pin
    from kiosk.storage import write_atomic

    cfg = _load_config(args)
    path = cfg.path
    first, second = _read_pin_twice()
    if not valid_pin(first):
        raise CliError(f"kiosk set-pin: the PIN must be {MIN_DIGITS} to {MAX_DIGITS} digits "
                       "(0-9), so that it cannot be guessed; nothing was changed")
    if first != second:
        raise CliError("kiosk set-pin: the two PINs differ; nothing was changed")
    pin_hash = hash_pin(first)
    text = path.read_text(encoding="utf-8")
    updated = set_pin_hash(text, pin_hash)
    try:
        check = config_mod.parse(tomllib.loads(updated), path)
    except (tomllib.TOMLDecodeError, config_mod.ConfigError) as exc:
        raise CliError(f"kiosk set-pin: could not update {path} safely ({exc}); "
                       "nothing was changed", FAILURE) from None
    if check.mediator.pin_hash != pin_hash:
        raise CliError(f"kiosk set-pin: could not find where to write the PIN in {path}; "
                       "nothing was changed", FAILURE)
    try:
        before = path.stat()
        write_atomic(path, updated.encode("utf-8"), before.st_mode & 0o777)
        # `sudo kiosk set-pin` must leave the file readable by the kiosk's group, as before.
        if (before.st_uid, before.st_gid) != (os.getuid(), os.getgid()):
            os.chown(path, before.st_uid, before.st_gid)
    except OSError as exc:
        raise CliError(f"kiosk set-pin: cannot write {path}: {exc.strerror or exc}",
                       FAILURE) from None
    print(f"PIN saved in {path} (restart the kiosk app to use it)")
    return 0


def cmd_speech_render(args) -> int:
    """Render the read-aloud audio for this config (install time; see kiosk/speech.py)."""
    cfg = _load_config(args)
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # Kivy leaves stderr alone, stays quiet
    # Run as root at install time: no Kivy settings or log files left in root's home.
    os.environ.setdefault("KIVY_NO_CONFIG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    from kiosk import speech
    from screens.spoken import all_texts

    folder = Path(args.out) if args.out else (cfg.kiosk.speech_dir or speech.DEFAULT_DIR)
    try:
        report = speech.render(all_texts(cfg, dt.date.today()), folder)
    except speech.SpeechError as exc:
        raise CliError(f"kiosk speech-render: {exc}", FAILURE) from None
    print(f"speech: {report.rendered} rendered, {report.kept} kept, {report.removed} removed "
          f"in {report.seconds} s into {folder}")
    for lang, (files, size, seconds) in speech.Manifest.load(folder).sizes().items():
        print(f"  {lang}: {files} files, {size / 1e6:.2f} MB, {seconds / 60:.1f} min of speech")
    return 0


# --- parser --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    config_help = ("config file (default: $KIOSK_CONFIG, else the platform config dir, "
                   "else /etc/permanence-kiosk/config.toml)")
    parser = _Parser(prog="kiosk",
                     description="Anonymous visit counter of a digital-help desk.")
    parser.add_argument("--config", metavar="PATH", help=config_help)
    # In each command too; SUPPRESS keeps `kiosk --config X tally` from being reset.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help=config_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    run = sub.add_parser("run", parents=[common], help="start the touchscreen app (default)")
    run.set_defaults(func=cmd_run)
    tally = sub.add_parser("tally", parents=[common], help="show a day's counts")
    tally.add_argument("--day", type=_day, help="YYYY-MM-DD (default: today)")
    tally.add_argument("--json", action="store_true", help="print JSON")
    tally.set_defaults(func=cmd_tally)
    sync = sub.add_parser("sync", parents=[common], help="push the counts to the coordinator")
    sync.add_argument("--all", action="store_true",
                      help="resend every day still on the kiosk (after the coordinator "
                           "was restored from a backup)")
    sync.set_defaults(func=cmd_sync)
    export = sub.add_parser("export", parents=[common], help="write a quarter's table (CSV)")
    export.add_argument("--quarter", required=True, metavar="YYYY-QN")
    export.add_argument("--out", metavar="FILE", help="output file or folder")
    export.set_defaults(func=cmd_export)
    transfer = sub.add_parser("transfer", parents=[common],
                              help="the unsent days as a file or QR codes (no network)")
    where = transfer.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="FILE", help="write a transfer file")
    where.add_argument("--qr", metavar="DIR", help="write DIR/transfer-1.png, ...")
    transfer.set_defaults(func=cmd_transfer)
    set_pin = sub.add_parser("set-pin", parents=[common], help="set the mediator PIN")
    set_pin.set_defaults(func=cmd_set_pin)
    render = sub.add_parser("speech-render", parents=[common],
                            help="render the read-aloud audio (after installing or "
                                 "changing the config)")
    render.add_argument("--out", metavar="DIR", help="audio folder (default: kiosk.speech_dir)")
    render.set_defaults(func=cmd_speech_render)
    parser.set_defaults(func=cmd_run)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except CliError as exc:
        print(str(exc), file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
