"""The kiosk's voice: plays the audio rendered at install time (kiosk.speech), never synthesis.

The manifest is read on the worker thread after the first frame; each file is loaded by
Kivy's SoundLoader on the worker thread too, then played on the UI thread, one piece after
the other. No sound card (an emulated Pi, a kiosk with no speaker): SoundLoader gives
nothing, the voice says it is mute, and every speaker button hides; nothing else changes.
"""

from __future__ import annotations

import logging
import os

from kivy.clock import Clock, mainthread
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty
from kivy.uix.boxlayout import BoxLayout

log = logging.getLogger("kiosk.voice")


def _speech():
    """kiosk.speech, imported on the worker thread that first needs it: the first frame
    does not wait for it."""
    from kiosk import speech

    return speech


class Voice(EventDispatcher):
    """Says shown texts in a language, from the rendered files; `manifest` is None until read."""

    manifest = ObjectProperty(None, allownone=True)
    #: False once the audio output has failed (no sound card): the speakers hide.
    audible = BooleanProperty(True)
    #: 0-100: the config's `volume` until the mediator sets one (kept in the data dir).
    volume = NumericProperty(80)

    def __init__(self, app, **kwargs):
        super().__init__(**kwargs)
        self.app = app
        settings = app.kiosk_config.kiosk
        self.enabled = settings.speech
        self.volume = settings.volume
        if settings.audio_output:
            # SDL's ALSA output reads the device here, when the first sound is loaded.
            os.environ.setdefault("AUDIODEV", settings.audio_output)
        self._queue: list = []
        self._playing = None
        self._generation = 0

    def start(self) -> None:
        """Read the manifest off the UI thread (called once the first frame is drawn)."""
        if self.enabled:
            settings = self.app.kiosk_config.kiosk
            self.app.in_background(
                lambda: (_speech().Manifest.load(settings.speech_dir),
                         _speech().load_volume(settings.data_dir, settings.volume)),
                self._loaded)

    def _loaded(self, found) -> None:
        self.manifest, self.volume = found

    def change_volume(self, step: int) -> None:
        """The mediator's - and +: heard at once, kept in the data dir (worker thread)."""
        self.volume = max(0, min(100, self.volume + step))
        if self._playing is not None:
            self._playing.volume = self.volume / 100
        volume, data_dir = self.volume, self.app.kiosk_config.kiosk.data_dir
        self.app.in_background(lambda: _speech().save_volume(data_dir, volume), None)

    def files(self, texts) -> list:
        """The audio files of `texts` in the app's language (pieces with no audio left out)."""
        if self.manifest is None or not self.audible:
            return []
        lang = self.app.lang
        return [path for text in texts for path in self.manifest.files(lang, text)]

    def say(self, texts) -> bool:
        """Read `texts` aloud (what a screen shows); stops what was being said. False when
        none of them has audio."""
        files = self.files(texts)
        self.stop()
        if not files:
            return False
        self._generation += 1
        generation = self._generation
        self.app.in_background(lambda: [self.load(path) for path in files],
                               lambda sounds: self._start(generation, sounds))
        return True

    def stop(self) -> None:
        self._generation += 1
        queue, self._queue = self._queue, []
        if self._playing is not None:
            playing, self._playing = self._playing, None
            playing.unbind(on_stop=self._next)
            playing.stop()
            queue.append(playing)
        for sound in queue:
            sound.unload()

    @property
    def queued(self) -> list:
        """The files still to be said after the one playing now."""
        return [sound.source for sound in self._queue]

    def load(self, path):
        """Worker thread: `path` loaded, or None. Sounds are loaded for one reading and
        unloaded after it: decoded speech takes about 10 MB a minute, a language 60 MB."""
        from kivy.core.audio import SoundLoader

        sound = SoundLoader.load(str(path))
        if sound is None and path.is_file():
            log.warning("cannot play %s (no audio output?): the speaker buttons hide",
                        path.name)
            self._mute()
        return sound

    @mainthread
    def _mute(self) -> None:
        self.audible = False

    def _start(self, generation: int, sounds) -> None:
        sounds = [s for s in sounds if s is not None]
        if generation != self._generation:  # a newer request (or a stop) came meanwhile
            for sound in sounds:
                sound.unload()
            return
        self._queue = sounds
        self._next()

    def _next(self, *_args) -> None:
        if self._playing is not None:
            played, self._playing = self._playing, None
            played.unbind(on_stop=self._next)
            played.unload()
        if self._queue:
            self.play_sound(self._queue.pop(0))

    def play_sound(self, sound) -> None:
        """The one place a sound reaches the speaker (UI thread)."""
        self._playing = sound
        sound.volume = self.volume / 100
        sound.bind(on_stop=self._next)
        sound.play()
        if sound.state != "play":  # the output refused it: go on rather than hang
            Clock.schedule_once(self._next, 0)


class VolumeRow(BoxLayout):
    """The mediator view's "Voix lue : 80 %" with - and + (10 points a touch). Its rule,
    voice.kv, is loaded with the mediator view (screens/mediateur.py), the one screen that
    shows it: not on the kiosk's cold start, which imports this module for `Voice`."""

    STEP = 10
