"""The browser tests' one browser: Debian's chromium, driven through Playwright.

Tests that use it set `pytestmark = BROWSER_MARKS`, so a machine without chromium skips
them with the line that installs it; screenshots go where every other test puts them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="apt-get install chromium"),
]
