"""Visitor screens read aloud: which texts, the audio files' names, the manifest, rendering.

Speech is made offline, at install or config time (`kiosk speech-render`), never on a tap:
each visitor text, in each language, is spoken once by espeak-ng (Debian's offline voice,
every language we ship, fast on a Pi) and kept as an OGG Vorbis file (Kivy's SDL2 mixer
reads it with no extra library; Opus needs libopusfile, which the Kivy wheels lack). The
app only looks a text up in the manifest and plays its file. A text the manifest lacks is
simply not read, and a screen with nothing to read shows no speaker button.

What a visitor hears is what the screen shows: `utterances` cuts a shown text into spoken
pieces (one per line, markup and pictogram glyphs removed), and each piece is looked up by
a hash of (language, piece). The texts to render are every visitor msgid of the catalogues
(`visitor_texts`) plus the texts the screens build from the config (place, hours, contacts;
screens/spoken.py), so audio must be rendered again when the config changes. No Kivy here.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kiosk import i18n

#: Where the audio goes by default: beside the package's other assets (not in git).
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "assets" / "speech"
MANIFEST = "manifest.json"
#: In the data dir: the volume the mediator chose (one key, `volume`, 0-100; nothing else).
VOLUME_FILE = "voice.json"
#: language -> espeak-ng voice. A language missing here is spoken with its own code.
VOICES = {"fr": "fr-fr", "en": "en-gb", "ar": "ar", "uk": "uk", "tr": "tr", "pt": "pt",
          "es": "es"}
#: words a minute: slower than espeak's 175, for listeners who read little (FALC).
RATE = 145
#: Vorbis quality -1 (~25 kbit/s for espeak's 22 kHz mono): speech stays clear, files small.
QUALITY = "-1"
ENGINE = ("espeak-ng", "oggenc")

#: The catalogue's mark on a text a visitor sees (assets/locale/update.py writes it; the
#: mediator's and the PIN pad's texts carry another).
VISITOR_MARK = "visitor screen"

_MARKUP = re.compile(r"\[/?[a-z_]+(?:=[^\]]*)?\]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
_SPACES = re.compile(r"\s+")
_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")
_HARAKAT = re.compile("[\u064b-\u065f\u0670]")


class SpeechError(Exception):
    """Rendering cannot run (engine missing, unwritable folder); str() is one line."""


def utterances(text: str) -> list[str]:
    """The spoken pieces of a shown text: one per line, without Kivy markup or pictograms."""
    text = _MARKUP.sub("", text or "")
    text = text.replace("&bl;", "[").replace("&br;", "]").replace("&amp;", "&")
    text = _PRIVATE_USE.sub("", text).replace("\u00a0", " ")
    pieces = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return [p for p in pieces if p]


def _comparable(piece: str) -> str:
    # A shown Arabic text has its letters joined as presentation forms, and the reshaper
    # may move a short vowel across a lam-alef (kiosk/rtl.py); its audio was rendered from
    # the catalogue's plain letters. NFKC gives the letters back; the vowels are left out
    # of the key only (espeak-ng still reads them).
    piece = _PRESENTATION.sub(lambda m: unicodedata.normalize("NFKC", m.group()), piece)
    return _HARAKAT.sub("", piece)


def key(lang: str, piece: str) -> str:
    """The manifest's key of a spoken piece, the same for its shown and its plain form."""
    return hashlib.sha256(f"{lang}\n{_comparable(piece)}".encode()).hexdigest()[:20]


def voice(lang: str) -> str:
    return VOICES.get(lang, lang)


def _file_name(lang: str, piece: str) -> str:
    """Named after the voice settings too: changing them renders the piece again."""
    digest = hashlib.sha256(f"{voice(lang)}\n{RATE}\n{QUALITY}\n{piece}".encode()).hexdigest()
    return f"{lang}/{digest[:20]}.ogg"


# --- which texts ---------------------------------------------------------------------------


def _po_entries(path: Path) -> Iterable[tuple[list[str], str | None, str]]:
    """(extracted comments, context, msgid) of each entry of a .po file (Babel's output)."""
    entry: dict = {"notes": []}
    field = None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry.get("msgid"):
                yield entry["notes"], entry.get("msgctxt"), entry["msgid"]
            entry, field = {"notes": []}, None
        elif line.startswith("#."):
            entry["notes"].append(line[2:].strip())
        elif line.startswith(("msgctxt ", "msgid ", "msgstr")):
            field, _, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
        elif line.startswith('"') and field:
            entry[field] += ast.literal_eval(line)


def visitor_phrases() -> list[str | i18n.Phrase]:
    """Every visitor msgid with no {placeholder} (those are filled by the screens)."""
    po = i18n.LOCALE_DIR / i18n.SOURCE_LANGUAGE / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    phrases: list[str | i18n.Phrase] = []
    for notes, context, msgid in _po_entries(po):
        if "{" in msgid or VISITOR_MARK not in notes:
            continue
        phrases.append(i18n.Phrase(context, msgid) if context else msgid)
    return phrases


def visitor_texts(lang: str) -> list[str]:
    """The visitor msgids with no placeholder, said in `lang`, as spoken pieces."""
    return [piece for phrase in visitor_phrases()
            for piece in utterances(i18n.translate(lang, phrase))]


# --- the manifest --------------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    """What has been rendered in a folder: key -> file (relative) and its facts."""

    folder: Path
    entries: dict

    @classmethod
    def load(cls, folder: Path | str | None = None) -> Manifest:
        """The folder's manifest; an empty one when it is missing or unreadable."""
        folder = Path(folder) if folder else DEFAULT_DIR
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            entries = data["texts"]
            if not isinstance(entries, dict):
                raise TypeError
        except (OSError, ValueError, TypeError, KeyError):
            entries = {}
        return cls(folder, entries)

    def path(self, lang: str, piece: str) -> Path | None:
        """The audio file of a spoken piece, or None when it has none."""
        entry = self.entries.get(key(lang, piece))
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            return None
        return self.folder / entry["file"]

    def files(self, lang: str, text: str) -> list[Path]:
        """The audio files of a shown text, pieces without audio left out."""
        return [p for p in (self.path(lang, piece) for piece in utterances(text)) if p]

    def sizes(self) -> dict[str, tuple[int, int, float]]:
        """language -> (files, bytes, seconds of speech) of this bundle."""
        out: dict[str, list] = {}
        for entry in self.entries.values():
            stats = out.setdefault(entry["lang"], [0, 0, 0.0])
            stats[0] += 1
            stats[1] += entry.get("bytes", 0)
            stats[2] += entry.get("seconds", 0.0)
        return {lang: tuple(v) for lang, v in sorted(out.items())}


# --- the mediator's volume ----------------------------------------------------------------


def load_volume(data_dir: Path, default: int) -> int:
    """The volume the mediator chose, else `default` (also for a torn or foreign file)."""
    try:
        value = json.loads((Path(data_dir) / VOLUME_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default
    volume = value.get("volume") if isinstance(value, dict) and set(value) == {"volume"} else None
    if not isinstance(volume, int) or isinstance(volume, bool) or not 0 <= volume <= 100:
        return default
    return volume


def save_volume(data_dir: Path, volume: int) -> None:
    """Keep the mediator's volume (0-100), written whole or not at all."""
    from kiosk.storage import write_atomic

    volume = max(0, min(100, int(volume)))
    write_atomic(Path(data_dir) / VOLUME_FILE, json.dumps({"volume": volume}).encode(), 0o600)


# --- rendering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderReport:
    rendered: int
    kept: int
    removed: int
    seconds: float


def check_engine() -> None:
    """SpeechError naming the missing program (and its Debian package)."""
    missing = [tool for tool in ENGINE if shutil.which(tool) is None]
    if missing:
        raise SpeechError(f"{' and '.join(missing)} not found: install the Debian packages "
                          "espeak-ng and vorbis-tools (apt-get install espeak-ng vorbis-tools)")


def _speak(lang: str, piece: str, dest: Path) -> float:
    """Speak `piece` into `dest` (OGG Vorbis, written whole or not at all); its seconds."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, wav = tempfile.mkstemp(dir=dest.parent, suffix=".wav.part")
    os.close(fd)
    fd, ogg = tempfile.mkstemp(dir=dest.parent, suffix=".part")
    os.close(fd)
    try:
        size = _wav(lang, piece, wav)
        subprocess.run(["oggenc", "-Q", "-q", QUALITY, "-o", ogg, wav],
                       capture_output=True, check=True)
        os.replace(ogg, dest)
    finally:
        for tmp in (wav, ogg):
            if os.path.exists(tmp):
                os.unlink(tmp)
    # A 16-bit mono WAV: its data after the 44-byte header, at espeak's 22050 Hz.
    return round(max(0, size - 44) / 2 / 22050, 2)


def _wav(lang: str, piece: str, path: str, tries: int = 3) -> int:
    """espeak-ng's WAV of `piece` into `path`; its size.

    Written to a file rather than a pipe, so the header carries its real sizes. A WAV that
    comes out empty (seen once on a busy CI machine, never reproduced) is asked for again,
    then named in a SpeechError instead of reaching oggenc as "not a supported format".
    """
    said = ""
    for _ in range(tries):
        run = subprocess.run(["espeak-ng", "-v", voice(lang), "-s", str(RATE), "-w", path,
                              "--", piece], capture_output=True, check=True)
        with open(path, "rb") as f:
            head = f.read(12)
        size = os.path.getsize(path)
        if head[:4] == b"RIFF" and head[8:12] == b"WAVE" and size > 44:
            return size
        said = run.stderr.decode(errors="replace").strip()[:120]
    raise SpeechError(f"espeak-ng gave no audio for {lang} {piece[:40]!r} after {tries} tries"
                      + (f" ({said})" if said else ""))


def render(texts: dict[str, Iterable[str]], folder: Path | str | None = None, *,
           workers: int | None = None) -> RenderReport:
    """Make `folder` hold exactly the audio of `texts` (language -> shown texts).

    Idempotent: a piece already rendered with the same voice is kept; files no text needs
    any more are removed. The manifest is written last and atomically, so an interrupted
    run leaves the previous bundle readable.
    """
    check_engine()
    folder = Path(folder) if folder else DEFAULT_DIR
    started = time.monotonic()
    old = Manifest.load(folder).entries
    wanted: dict[str, dict] = {}
    for lang, shown in texts.items():
        for text in shown:
            for piece in utterances(text):
                wanted[key(lang, piece)] = {"lang": lang, "text": piece,
                                            "file": _file_name(lang, piece)}
    todo = []
    for k, entry in wanted.items():
        before = old.get(k)
        if (isinstance(before, dict) and before.get("file") == entry["file"]
                and (folder / entry["file"]).is_file()):
            entry.update(bytes=before.get("bytes", 0), seconds=before.get("seconds", 0.0))
        else:
            todo.append(entry)

    def one(entry: dict) -> None:
        dest = folder / entry["file"]
        entry["seconds"] = _speak(entry["lang"], entry["text"], dest)
        entry["bytes"] = dest.stat().st_size

    data = {"version": 1, "engine": "espeak-ng", "rate": RATE,
            "voices": {lang: voice(lang) for lang in texts}, "texts": wanted}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            list(pool.map(one, todo))
        tmp = folder / (MANIFEST + ".part")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, folder / MANIFEST)
    except subprocess.CalledProcessError as exc:
        said = exc.stderr.decode(errors="replace").strip()[:200]
        raise SpeechError(f"{exc.cmd[0]} failed ({said})") from None
    except OSError as exc:
        raise SpeechError(f"cannot write the audio in {folder}: {exc.strerror}") from None
    kept_files = {e["file"] for e in wanted.values()}
    removed = 0
    for path in folder.glob("*/*.ogg"):
        if path.relative_to(folder).as_posix() not in kept_files:
            path.unlink()
            removed += 1
    return RenderReport(len(todo), len(wanted) - len(todo), removed,
                        round(time.monotonic() - started, 2))
