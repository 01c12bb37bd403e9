"""The transfer payload on its own: round trip, refusals, and the QR figures (days a code,
zbar reading the PNGs scaled down to a phone photo's size)."""

from __future__ import annotations

import base64
import datetime as dt
import random
import shutil
import subprocess
from types import SimpleNamespace

import pytest
from PIL import Image, ImageFilter

from kiosk.catalogue import CATEGORY_IDS
from sync import transfer

TOKEN = "k" * 43
INSTALL = "6f1c3a2e-1111-4222-8333-944455556666"
URL = "https://stats.grenoble-alpes.example.org"
START = dt.date(2026, 7, 1)


def quarter(seed=5, busy=False):
    """92 days: a desk's usual day (1 to 4 visits), or a very busy one (every category)."""
    rng = random.Random(seed)
    days = []
    for n in range(92):
        if busy:
            counts = {c: rng.randint(100, 999) for c in CATEGORY_IDS}
        else:
            counts = {}
            for _ in range(rng.randint(1, 4)):
                category = rng.choice(CATEGORY_IDS)
                counts[category] = counts.get(category, 0) + 1
        days.append(SimpleNamespace(day=START + dt.timedelta(days=n),
                                    revision=rng.randint(1, 40) * (50 if busy else 1),
                                    counts=counts))
    return days


def source(token=TOKEN):
    return transfer.Source(transfer.derive_key(token), INSTALL, True, "1")


def test_round_trip_keeps_every_day_and_never_the_token():
    days = quarter()
    payloads = transfer.file_payloads_for(source(), days)
    assert len(payloads) == 1
    raw = base64.urlsafe_b64decode(payloads[0] + "==")
    assert TOKEN.encode() not in raw and TOKEN not in payloads[0]
    opened = transfer.open_payload(payloads[0], transfer.derive_key(TOKEN))
    assert opened.install_id == INSTALL and opened.clock_trusted and opened.catalogue_version == "1"
    assert [(d.day, d.revision, d.counts) for d in opened.days] == [
        (d.day, d.revision, {c: n for c, n in d.counts.items() if n}) for d in days]
    assert opened.key_id == transfer.key_id(transfer.derive_key(TOKEN))
    push = opened.to_push()
    assert len(push.days) == 92


def test_another_kiosks_key_or_a_respelt_payload_is_refused():
    payload = transfer.seal(source(), quarter()[:3])
    with pytest.raises(transfer.TransferError, match="signature"):
        transfer.open_payload(payload, transfer.derive_key("another token"))
    # Same bytes, other unused low bits in the last character: still an altered URL.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    pad = "=" * (-len(payload) % 4)
    respelt = [payload[:-1] + c for c in alphabet if c != payload[-1]
               and base64.urlsafe_b64decode(payload[:-1] + c + pad)
               == base64.urlsafe_b64decode(payload + pad)]
    assert respelt, "this length leaves unused bits in the last character"
    for text in respelt:
        with pytest.raises(transfer.TransferError, match="altered"):
            transfer.open_payload(text, transfer.derive_key(TOKEN))
    for junk in ("", "not base64!", "A" * 30000, "AQ"):
        with pytest.raises(transfer.TransferError):
            transfer.open_payload(junk, transfer.derive_key(TOKEN))


def test_each_code_is_self_contained_and_fits_version_15_level_m():
    days = quarter()
    texts = transfer.qr_texts(source(), days, URL)
    key = transfer.derive_key(TOKEN)
    opened = [transfer.open_payload(t.rsplit("/", 1)[1], key) for t in texts]
    assert [(p.part, p.parts) for p in opened] == [(n, len(texts)) for n in range(1, len(texts) + 1)]
    assert sum(len(p.days) for p in opened) == 92
    assert all(len(t.encode()) <= transfer.QR_CAPACITY and t.startswith(URL + "/t/")
               for t in texts)
    for text in texts:
        assert transfer.qr_image(text).size[0] <= (77 + 8) * 6  # version <= 15, 6 px a module


@pytest.mark.parametrize("busy, at_least", [(False, 25), (True, 9)])
def test_days_a_code_holds(busy, at_least):
    """The figure for the docs: a usual quarter needs 3 codes at version 15, level M (9 when very busy)."""
    texts = transfer.qr_texts(source(), quarter(busy=busy), URL)
    per_code = 92 / len(texts)
    print(f"busy={busy}: {len(texts)} codes for 92 days, {per_code:.1f} days a code")
    assert per_code >= at_least


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg missing (zbar-tools)")
@pytest.mark.parametrize("scale, blur", [(0.5, 0.6), (0.33, 0)])
def test_zbar_reads_every_code_scaled_down_like_a_phone_photo(tmp_path, scale, blur):
    """The PNGs have 6 px a module: halved and blurred (3 px), or cut to a third (2 px)."""
    texts = transfer.qr_texts(source(), quarter(), URL)
    paths = transfer.write_qr_pngs(texts, tmp_path / "qr")
    read = 0
    for path, text in zip(paths, texts, strict=True):
        image = Image.open(path).convert("L")
        side = round(image.width * scale)
        photo = image.resize((side, side), Image.BILINEAR).filter(ImageFilter.GaussianBlur(blur))
        small = tmp_path / f"small-{path.name}"
        photo.save(small)
        done = subprocess.run(["zbarimg", "--quiet", "--raw", str(small)], capture_output=True,
                              text=True, timeout=60)
        read += done.returncode == 0 and done.stdout.rstrip("\n") == text
    print(f"scale {scale}: zbar read {read} of {len(texts)} codes")
    assert read == len(texts)


def test_the_folder_never_mixes_two_transfers(tmp_path):
    folder = tmp_path / "qr"
    transfer.write_qr_pngs(transfer.qr_texts(source(), quarter(), URL), folder)
    transfer.write_qr_pngs(transfer.qr_texts(source(), quarter()[:3], URL), folder)
    assert sorted(p.name for p in folder.iterdir()) == ["transfer-1.png"]
