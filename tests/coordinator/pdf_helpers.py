"""Read a PDF back as a real viewer would: poppler's pdftotext, pdffonts, pdfinfo, pdftoppm."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from PIL import Image


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def save(data: bytes, path: Path) -> Path:
    assert data.startswith(b"%PDF-"), data[:40]
    path.write_bytes(data)
    return path


def text_of(path: Path, layout: bool = True) -> str:
    return _run("pdftotext", *(["-layout"] if layout else []), str(path), "-")


def pages_of(path: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", str(path)), re.M).group(1))


def fonts_of(path: Path) -> list[dict[str, str]]:
    """pdffonts' rows: name, type, emb (yes/no)."""
    lines = _run("pdffonts", str(path)).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name type... encoding emb sub uni object ID: emb is the 5th field from the end
        rows.append({"name": parts[0], "emb": parts[-5]})
    return rows


def images_of(path: Path, out: Path, dpi: int = 60) -> list[Image.Image]:
    _run("pdftoppm", "-r", str(dpi), "-png", str(path), str(out / "page"))
    return [Image.open(p).convert("RGB") for p in sorted(out.glob("page-*.png"))]


def flat(text: str) -> str:
    """Spaces of every kind collapsed to one, the minus sign to a hyphen, for comparisons."""
    text = text.replace("\u2212", "-")
    return re.sub(r"[ \u00a0\u202f\t]+", " ", text)


def word_boxes(path: Path) -> list[tuple[float, float, float, float, str]]:
    """Every word's box (xMin, yMin, xMax, yMax, word) in points, from pdftotext -bbox."""
    html = _run("pdftotext", "-bbox", str(path), "-")
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html)]
