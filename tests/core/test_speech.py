"""Read aloud, the core: which texts are spoken, the bundle's coverage, rendering (real
espeak-ng and oggenc, installed by scripts/setup.sh), the config keys. No Kivy here."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

from kiosk import config, i18n, speech


def test_every_visitor_text_of_every_catalogue_has_its_audio():
    """Fails when a visitor text is added or changed without rendering again."""
    manifest = speech.Manifest.load()
    missing = [f"{lang}: {piece}" for lang in i18n.LANGUAGES
               for piece in speech.visitor_texts(lang)
               if manifest.path(lang, piece) is None
               or not manifest.path(lang, piece).is_file()]
    assert not missing, ("texts without audio (run scripts/setup.sh, or kiosk speech-render): "
                         + "; ".join(missing[:5]))


def test_the_visitor_texts_are_the_visitor_screens_and_categories_only():
    phrases = speech.visitor_phrases()
    assert "Bonjour ! Pourquoi venez-vous aujourd'hui ?" in phrases
    assert i18n.Phrase("category button", "Imprimer, scanner") in phrases
    assert "Écouter" in phrases
    assert "Oui" in phrases  # the exit question's (the mediator's confirmation shares it)
    assert "Envoyer maintenant" not in phrases  # the mediator's alone
    assert not [p for p in phrases if "{" in str(p)]  # placeholders come filled, from screens
    assert len(speech.visitor_texts("en")) >= len(phrases)  # each translated, none lost


def test_a_shown_text_is_spoken_as_lines_without_markup_or_pictograms():
    shown = "[font=Icons]\U000f03f2[/font] Téléphone\u00a0: 04 76\n\n[b]A &amp; B[/b]  &bl;x&br;"
    assert speech.utterances(shown) == ["Téléphone : 04 76", "A & B [x]"]
    assert speech.utterances("") == []
    assert speech.key("fr", "Oui") != speech.key("en", "Oui")


def test_a_shown_arabic_text_finds_the_audio_of_the_catalogue_s_text():
    from kiosk import rtl

    plain = "أحيانًا، مثلًا: لا"  # a short vowel beside a lam-alef, which the reshaper moves
    shown = rtl.shape("ar", plain)
    assert shown != plain
    assert [speech.key("ar", p) for p in speech.utterances(shown)] == \
        [speech.key("ar", p) for p in speech.utterances(plain)]


def test_rendering_is_idempotent_and_keeps_exactly_what_is_asked(tmp_path):
    texts = {"fr": ["Bonjour !\nMerci.", "Bonjour !"], "en": ["Hello!"]}
    first = speech.render(texts, tmp_path)
    assert (first.rendered, first.kept, first.removed) == (3, 0, 0)
    manifest = speech.Manifest.load(tmp_path)
    for lang, piece in (("fr", "Bonjour !"), ("fr", "Merci."), ("en", "Hello!")):
        path = manifest.path(lang, piece)
        assert path.read_bytes()[:4] == b"OggS" and path.stat().st_size > 1000
    assert manifest.sizes()["fr"][0] == 2 and manifest.sizes()["fr"][2] > 0.3
    stamp = manifest.path("fr", "Merci.").stat().st_mtime_ns

    again = speech.render(texts, tmp_path)
    assert (again.rendered, again.kept, again.removed) == (0, 3, 0)
    assert speech.Manifest.load(tmp_path).path("fr", "Merci.").stat().st_mtime_ns == stamp

    fewer = speech.render({"fr": ["Merci."]}, tmp_path)
    assert (fewer.rendered, fewer.kept, fewer.removed) == (0, 1, 2)
    assert sorted(p.name for p in tmp_path.glob("*/*.ogg")) == [
        speech.Manifest.load(tmp_path).path("fr", "Merci.").name]
    assert not list(tmp_path.glob("**/*.part"))


def test_a_missing_or_torn_manifest_means_no_audio(tmp_path):
    assert speech.Manifest.load(tmp_path).path("fr", "Oui") is None
    (tmp_path / speech.MANIFEST).write_text('{"texts": [1, 2')
    assert speech.Manifest.load(tmp_path).files("fr", "Oui\nNon") == []
    (tmp_path / speech.MANIFEST).write_text(json.dumps({"texts": {speech.key("fr", "Oui"): 3}}))
    assert speech.Manifest.load(tmp_path).path("fr", "Oui") is None


def test_without_espeak_rendering_says_which_package_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(speech.SpeechError, match="apt-get install espeak-ng vorbis-tools"):
        speech.render({"fr": ["Oui"]}, tmp_path / "out")
    assert not (tmp_path / "out" / speech.MANIFEST).exists()


def _kiosk(tmp_path, **keys):
    return config.parse({"kiosk": {"data_dir": str(tmp_path), **keys},
                         "coordinator": {"url": "", "token_file": ""}}, tmp_path / "c.toml")


def test_the_audio_keys_of_the_config(tmp_path):
    default = _kiosk(tmp_path).kiosk
    assert (default.speech, default.speech_dir, default.audio_output, default.volume) == (
        True, None, "", 80)
    chosen = _kiosk(tmp_path, speech=False, speech_dir="audio", volume=35,
                    audio_output=" plughw:CARD=Headphones ").kiosk
    assert chosen.speech_dir == tmp_path / "audio"
    assert (chosen.speech, chosen.volume, chosen.audio_output) == (
        False, 35, "plughw:CARD=Headphones")
    with pytest.raises(config.ConfigError, match=r"kiosk\.volume must be between 0 and 100"):
        _kiosk(tmp_path, volume=120)
    with pytest.raises(config.ConfigError, match=r"kiosk\.speech must be true or false"):
        _kiosk(tmp_path, speech="yes")


def test_the_mediators_volume_is_one_key_in_the_data_dir(tmp_path):
    assert speech.load_volume(tmp_path, 80) == 80
    speech.save_volume(tmp_path, 140)
    assert json.loads((tmp_path / speech.VOLUME_FILE).read_text()) == {"volume": 100}
    speech.save_volume(tmp_path, 30)
    assert speech.load_volume(tmp_path, 80) == 30
    for foreign in ('{"volume": 30, "name": "x"}', '{"volume": true}', '{"volume": 101}',
                    "[30]", "{torn"):
        (tmp_path / speech.VOLUME_FILE).write_text(foreign)
        assert speech.load_volume(tmp_path, 80) == 80, foreign


def test_an_unwritable_folder_or_unknown_voice_is_one_clear_error(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(speech.SpeechError, match="cannot write the audio in"):
        speech.render({"fr": ["Oui"]}, blocked / "audio")
    with pytest.raises(speech.SpeechError, match="espeak-ng failed"):
        speech.render({"xx-no-such-voice": ["Oui"]}, tmp_path / "audio")


def _flaky_espeak(tmp_path, monkeypatch, empty_runs: int):
    """An espeak-ng on PATH that leaves its WAV empty `empty_runs` times, then is the real
    one: the empty WAV CI once fed to oggenc ("not a supported format")."""
    real = shutil.which("espeak-ng")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    count = tmp_path / "runs"
    count.write_text("0")
    fake = bin_dir / "espeak-ng"
    fake.write_text(f"""#!/bin/sh
n=$(cat {count}); echo $((n + 1)) > {count}
if [ "$n" -lt {empty_runs} ]; then
  while [ "$1" != "-w" ]; do shift; done; : > "$2"; echo "no voice data" >&2; exit 0
fi
exec {real} "$@"
""")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    return count


def test_an_empty_wav_is_asked_again_then_named(tmp_path, monkeypatch):
    count = _flaky_espeak(tmp_path, monkeypatch, empty_runs=1)
    report = speech.render({"fr": ["Oui"]}, tmp_path / "once", workers=1)
    assert report.rendered == 1 and count.read_text().strip() == "2"
    manifest = json.loads((tmp_path / "once" / speech.MANIFEST).read_text())
    assert [e["seconds"] > 0.3 for e in manifest["texts"].values()] == [True]

    monkeypatch.undo()
    _flaky_espeak(tmp_path / "b", monkeypatch, empty_runs=99)
    with pytest.raises(speech.SpeechError,
                       match=r"espeak-ng gave no audio for fr 'Oui' after 3 tries \(no voice"):
        speech.render({"fr": ["Oui"]}, tmp_path / "never", workers=1)
    assert not (tmp_path / "never" / speech.MANIFEST).exists()
    assert not list((tmp_path / "never").rglob("*.part"))
