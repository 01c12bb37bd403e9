"""QR codes drawn into a Kivy texture in memory (no image file), one pixel per module."""

from __future__ import annotations

from functools import lru_cache

import qrcode
from kivy.graphics.texture import Texture


@lru_cache(maxsize=8)
def qr_texture(url: str) -> Texture:
    """The QR code of `url`, black on white with a quiet zone; scale it with `nearest`."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    dark, light = b"\x00\x00\x00\xff", b"\xff\xff\xff\xff"
    # RGBA keeps every row 4-byte aligned (GL's default unpack alignment).
    pixels = b"".join(dark if cell else light for row in reversed(matrix) for cell in row)
    texture = Texture.create(size=(size, size), colorfmt="rgba")
    texture.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    return texture
