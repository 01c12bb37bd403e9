"""A kiosk with no sound card (the emulated Pi, a desk without a speaker): the audio is
there, but SDL cannot open any output. The first "Écouter" finds it out, every speaker
hides, and the visitor's taps count as always. Its own process: SDL's audio output is
chosen once per process, and this one must have none.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

NO_CARD = "KIOSK_TEST_NO_SOUND_CARD"

pytestmark = pytest.mark.ui


@pytest.mark.skipif(bool(os.environ.get(NO_CARD)), reason="this is that process")
def test_without_a_sound_card_in_a_fresh_process():
    env = {**os.environ, NO_CARD: "1", "SDL_AUDIODRIVER": "no-such-output"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
        env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout[-3000:]


@pytest.mark.skipif(not os.environ.get(NO_CARD), reason="run in its own process")
def test_the_speakers_hide_and_taps_count(tmp_path):
    from ui_helpers import hold, make_config, run_app, screen, tap, today_counts, wait_until

    from kiosk import speech

    assert speech.Manifest.load().entries, "no audio in assets/speech: run scripts/setup.sh"
    config = make_config(tmp_path, double_tap_guard_s=0.2)

    def script(app):
        from screens.widgets import SpeakerButton

        home = screen(app, "accueil")
        speaker = next(w for w in home.walk() if isinstance(w, SpeakerButton))
        yield from wait_until(lambda: speaker.available)  # the files are there
        tap(speaker)
        yield from wait_until(lambda: not app.voice.audible)
        yield from wait_until(lambda: not speaker.available and speaker.opacity == 0)
        button = home.category_buttons()[1]
        yield from hold(button, 0.9)  # held: no voice now, so it is a tap
        yield 0.2
        assert (app.root.current, today_counts(app)[button.category_id]) == ("merci", 1)

    run_app(config, script)
