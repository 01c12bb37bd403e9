"""Read aloud, with real touches and real sounds: the "Écouter" button of every visitor
screen plays that screen's rendered files, a long press on a category reads it without
counting, and a kiosk without audio hides the buttons and counts as before.

The audio is rendered for the test's config by the real renderer (espeak-ng, a few
seconds); sounds play through the app's own path (Kivy's SoundLoader, SDL's dummy output:
this machine has no sound card). The spy wraps `Voice.play_sound` and calls it on.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # before Kivy's audio opens its output

import datetime as dt  # noqa: E402

import pytest  # noqa: E402
from permanence_tour import FULL  # noqa: E402
from ui_helpers import (  # noqa: E402
    UI_NOW,
    UI_TODAY,
    hold,
    make_config,
    press,
    run_app,
    screen,
    tap,
    today_counts,
    wait_until,
)

from kiosk import i18n, speech  # noqa: E402

pytestmark = pytest.mark.ui

#: Thursday 12:30: between FULL's two Thursday slots, so Fermé shows "today at 14:00".
LUNCH = dt.datetime.combine(UI_TODAY, dt.time(12, 30)).astimezone()


@pytest.fixture(scope="module")
def audio(tmp_path_factory) -> Path:
    """The audio of the test config (FULL permanence), rendered for the week of UI_TODAY."""
    from screens.spoken import all_texts

    base = tmp_path_factory.mktemp("speech")
    folder = base / "audio"
    speech.render(all_texts(_config(base, folder), UI_TODAY), folder)
    return folder


def _config(tmp_path, folder, **kiosk):
    return make_config(tmp_path, permanence=FULL, kiosk={"speech_dir": str(folder), **kiosk},
                       double_tap_guard_s=0.2)


def _spy(app) -> list[tuple[Path, float]]:
    """Every sound the app plays: (file, length in seconds), through the real play; the
    volume each was played at in `played.volumes`."""
    played = _Played()
    play = app.voice.play_sound

    def play_sound(sound):
        play(sound)
        played.append((Path(sound.source), sound.length))
        played.volumes.append(sound.volume)

    app.voice.play_sound = play_sound
    return played


class _Played(list):
    def __init__(self):
        super().__init__()
        self.volumes = []

    def clear(self):
        super().clear()
        self.volumes.clear()


def _speaker(view):
    from screens.widgets import SpeakerButton

    return next(w for w in view.walk(restrict=True) if isinstance(w, SpeakerButton))


def _expected(app, view) -> list[Path]:
    """The files of what `view` shows, each of its pieces having one."""
    manifest = app.voice.manifest
    texts = view.spoken_texts()
    files = [f for text in texts for f in manifest.files(app.lang, text)]
    pieces = [p for text in texts for p in speech.utterances(text)]
    assert pieces and len(files) == len(pieces), f"pieces without audio in {pieces}"
    return files


def _listen(app, view, played):
    """Tap the view's speaker; check the first file played and the rest queued in order."""
    speaker = _speaker(view)
    yield from wait_until(lambda: speaker.available and speaker.opacity == 1)
    expected = _expected(app, view)
    played.clear()
    tap(speaker)
    yield from wait_until(lambda: played)
    file, length = played[0]
    assert file == expected[0]
    assert length > 0
    assert [Path(p) for p in app.voice.queued] == expected[1:]
    return expected


def test_every_visitor_screen_reads_itself_in_each_language(tmp_path, audio):
    config = _config(tmp_path, audio, exit_question=True)
    languages = config.kiosk.languages  # every catalogue (a new one is walked by itself)
    assert set(languages) == set(i18n.LANGUAGES)
    heard = {}

    def script(app):
        played = _spy(app)
        yield from wait_until(lambda: app.voice.manifest is not None)
        for lang in languages:
            app.set_language(lang)
            app.now = lambda: UI_NOW.astimezone()
            app.go_home()
            yield 0.2
            heard[lang, "accueil"] = yield from _listen(app, screen(app, "accueil"), played)
            assert app.voice.queued  # the choices come next...
            app.open_info()
            yield 0.2
            assert app.voice.queued == []  # ...but leaving the screen silences it
            heard[lang, "infos"] = yield from _listen(app, screen(app, "infos"), played)
            for name in ("donnees", "mandat", "permanence"):
                app.open_pages(name)
                pages = screen(app, name)
                yield 0.2
                heard[lang, name] = yield from _listen(app, pages, played)
                tap(pages.ids.next)
                yield 0.2
                heard[lang, name, 2] = yield from _listen(app, pages, played)
            app.now = lambda: LUNCH
            app.go_home()
            yield 0.2
            assert app.root.current == "ferme"
            heard[lang, "ferme"] = yield from _listen(app, screen(app, "ferme"), played)
            assert screen(app, "ferme").next_opening  # "today at 14:00" is read too
            app.now = lambda: UI_NOW.astimezone()
            app.go_home()
            yield 0.2
            app.set_language(lang)
            tap(screen(app, "accueil").category_buttons()[0])
            yield 0.3
            assert app.root.current == "merci"
            merci = screen(app, "merci")
            expected = yield from _listen(app, merci, played)
            # The whole sequence plays, one file after the other, to its end.
            count = len(expected)
            yield from wait_until(lambda: len(played) == count, timeout_s=30)  # noqa: B023
            assert [f for f, _ in played] == expected
            app.undo_last()
            yield 0.3
            app.show("depart")  # "Je pars": the exit question
            yield 0.2
            heard[lang, "depart"] = yield from _listen(app, screen(app, "depart"), played)
            app.go_home()
            yield 0.2

    run_app(config, script, timeout_s=60 + 60 * len(languages))
    for lang in languages:
        assert heard[lang, "accueil"][0].parent.name == lang
    assert len({tuple(heard[lang, "accueil"]) for lang in languages}) == len(languages)


def test_a_long_press_reads_a_category_and_a_tap_still_counts_at_once(tmp_path, audio):
    config = _config(tmp_path, audio)

    def script(app):
        played = _spy(app)
        yield from wait_until(lambda: app.voice.manifest is not None)
        home = screen(app, "accueil")
        button = home.category_buttons()[2]
        before = today_counts(app)
        touch = press(button)
        yield from wait_until(lambda: played, timeout_s=5)
        assert played[0][0] == app.voice.manifest.files("fr", button.label)[0]
        touch.touch_up()
        yield 0.3
        assert app.root.current == "accueil"
        assert today_counts(app) == before  # reading it counted nothing
        # A shorter press is a tap: counted on release, nothing read.
        played.clear()
        yield from hold(button, 0.3)
        assert app.root.current == "merci"
        assert today_counts(app)[button.category_id] == before[button.category_id] + 1
        yield 0.6
        assert played == []

    run_app(config, script)


def test_without_audio_no_speaker_shows_and_a_long_press_is_a_tap(tmp_path):
    config = _config(tmp_path, tmp_path / "no-audio-here")

    def script(app):
        yield from wait_until(lambda: app.voice.manifest is not None)
        yield 0.2
        home = screen(app, "accueil")
        assert not _speaker(home).available and _speaker(home).opacity == 0
        app.open_pages("mandat")
        yield 0.2
        assert _speaker(screen(app, "mandat")).opacity == 0
        app.go_home()
        yield 0.2
        button = home.category_buttons()[0]
        yield from hold(button, 0.9)
        yield 0.1
        assert (app.root.current, today_counts(app)[button.category_id]) == ("merci", 1)

    run_app(config, script)


def test_every_file_of_the_installed_bundle_plays_through_the_app(tmp_path):
    """The bundle rendered by scripts/setup.sh (the demo's): each of its files loads through
    the app's loader and lasts more than zero seconds."""
    manifest = speech.Manifest.load()
    assert manifest.entries, "no audio in assets/speech: run scripts/setup.sh"
    config = make_config(tmp_path)
    lengths = {}

    def script(app):
        yield 0
        for entry in manifest.entries.values():
            sound = app.voice.load(manifest.folder / entry["file"])
            lengths[entry["file"]] = sound.length if sound is not None else None
            if sound is not None:
                sound.unload()
            yield 0

    run_app(config, script, timeout_s=240)
    assert {lang for lang, *_ in (f.split("/") for f in lengths)} == set(i18n.LANGUAGES)
    silent = [f for f, length in lengths.items() if not length]
    assert not silent, f"files that do not play: {silent[:5]}"


def test_the_mediator_sets_the_volume_and_it_stays_after_a_restart(tmp_path, audio):
    from ui_helpers import open_mediator_view, tap_in_view

    from screens.voice import VolumeRow

    config = _config(tmp_path, audio, volume=50)
    seen = {}

    def script(app):
        played = _spy(app)
        yield from wait_until(lambda: app.voice.manifest is not None)
        assert app.voice.volume == 50  # the config's, until the mediator sets one
        mediator = yield from open_mediator_view(app)
        row = next(w for w in mediator.walk() if isinstance(w, VolumeRow))
        assert row.ids.level.text.endswith("Voix lue : 50 %")
        yield from tap_in_view(mediator, row.ids.quieter)
        yield 0.2
        yield from tap_in_view(mediator, row.ids.quieter)
        yield 0.2
        assert app.voice.volume == 30 and row.ids.level.text.endswith("Voix lue : 30 %")
        saved = tmp_path / "data" / speech.VOLUME_FILE
        yield from wait_until(lambda: saved.exists()
                              and speech.load_volume(saved.parent, 0) == 30)
        app.go_home()
        yield 0.2
        yield from _listen(app, screen(app, "accueil"), played)
        seen["volume"] = played.volumes[0]

    run_app(config, script)
    assert seen["volume"] == pytest.approx(0.3)

    def again(app):
        yield from wait_until(lambda: app.voice.manifest is not None)
        seen["after restart"] = app.voice.volume

    run_app(config, again)
    assert seen["after restart"] == 30


def test_the_speech_render_command(tmp_path):
    """`kiosk speech-render`: the bundle of a config, then nothing new; one line when the
    voice is missing."""
    import subprocess
    import sys

    config = tmp_path / "config.toml"
    config.write_text('[kiosk]\ndata_dir = "data"\nlanguages = ["fr"]\n'
                      '[coordinator]\nurl = ""\ntoken_file = ""\n'
                      '[permanence]\nplace = "Salle des fêtes"\n', encoding="utf-8")
    command = [sys.executable, "-m", "kiosk", "speech-render", "--config", str(config),
               "--out", str(tmp_path / "audio")]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stdout.splitlines()[0].startswith("speech: ")
    assert " 0 kept" in first.stdout and "  fr: " in first.stdout
    manifest = speech.Manifest.load(tmp_path / "audio")
    assert manifest.path("fr", "Salle des fêtes").is_file()  # a text of the config
    assert set(manifest.sizes()) == {"fr"}
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.stdout.startswith("speech: 0 rendered, ")
    bare = subprocess.run(command, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PATH": str(tmp_path)})
    assert bare.returncode == 1
    assert bare.stderr.strip().splitlines() == [
        "kiosk speech-render: espeak-ng and oggenc not found: install the Debian packages "
        "espeak-ng and vorbis-tools (apt-get install espeak-ng vorbis-tools)"]
