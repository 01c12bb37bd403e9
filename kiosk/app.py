"""The touchscreen app: a thin Kivy App owning the store, the sync client and the services.

State lives in Kivy properties (`lang`, `scale`, `portrait`, `sync_state`…) that the kv rules
of screens/ bind to. Every text is said through `tr` in the app's `lang`; kv writes it
`_("…")`, a `Translator` that Kivy re-evaluates whenever `lang` changes. Every tap goes
through `record_visit`. Disk and network work other than the tap itself runs on a worker
thread; results come back to the UI thread with @mainthread.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import logging
import os
import signal
import threading
import time
import weakref
from collections.abc import Callable

os.environ.setdefault("KIVY_NO_ARGS", "1")  # Kivy must not read the kiosk's command line

from kivy.config import Config as KivyConfig  # noqa: E402

from kiosk import i18n, rtl, sdnotify  # noqa: E402
from kiosk.catalogue import load as load_catalogue  # noqa: E402
from kiosk.config import Config  # noqa: E402
from kiosk.store import StoreError  # noqa: E402

log = logging.getLogger("kiosk.app")

#: Screen names; Accueil and Fermé are "home" (which one depends on the opening hours).
HOME, CLOSED, THANKS, LANGUAGES = "accueil", "ferme", "merci", "langues"
INFO, DATA, MANDATE, PIN, MEDIATOR = "infos", "donnees", "mandat", "pin", "mediateur"


def configure_kivy(config: Config) -> None:
    """Lock Kivy down before its Window exists (Window reads these options when created)."""
    KivyConfig.set("kivy", "exit_on_escape", "0")
    KivyConfig.set("kivy", "pause_on_minimize", "0")
    # One input provider: SDL's mouse already carries the touchscreen; a probesysfs or
    # mtdev provider on top would deliver each tap twice. No multitouch: a resting palm or
    # a right click makes no red dots and no second touch.
    for key in list(KivyConfig.options("input")):
        KivyConfig.remove_option("input", key)
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")
    fullscreen = config.kiosk.fullscreen
    KivyConfig.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    KivyConfig.set("graphics", "show_cursor", "0" if fullscreen else "1")
    KivyConfig.set("graphics", "allow_screensaver", "0")
    if not fullscreen:
        width, height = window_size()
        KivyConfig.set("graphics", "width", str(width))
        KivyConfig.set("graphics", "height", str(height))


def local_now() -> dt.datetime:
    """The wall clock as the kiosk reads it: aware, in the system's time zone."""
    return dt.datetime.now().astimezone()


def window_size() -> tuple[int, int]:
    """The window size when not full screen: $KIOSK_WINDOW_SIZE (e.g. 720x1280), else the
    7" display's 800x480."""
    raw = os.environ.get("KIOSK_WINDOW_SIZE", "800x480")
    try:
        width, height = (int(v) for v in raw.lower().split("x"))
    except ValueError:
        log.warning("KIOSK_WINDOW_SIZE=%r is not like 800x480; using 800x480", raw)
        return 800, 480
    return width, height


from kivy._event import Observable  # noqa: E402
from kivy.app import App  # noqa: E402
from kivy.base import ExceptionHandler, ExceptionManager  # noqa: E402
from kivy.clock import Clock, mainthread  # noqa: E402
from kivy.lang import global_idmap  # noqa: E402
from kivy.properties import (  # noqa: E402
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)

from screens.voice import Voice  # noqa: E402


class _BackHome(ExceptionHandler):
    """An exception in a screen is logged and the app goes back to Accueil.

    A storm of exceptions (more than `limit` in `window_s`) is re-raised instead, so that
    systemd restarts a kiosk stuck in a failing loop.
    """

    def __init__(self, app: KioskApp, limit: int = 20, window_s: float = 10.0):
        self.app, self.limit, self.window_s = app, limit, window_s
        self.times: list[float] = []

    def handle_exception(self, exception):
        if isinstance(exception, (KeyboardInterrupt, SystemExit)):
            return ExceptionManager.RAISE
        now = time.monotonic()
        self.times = [t for t in self.times if now - t < self.window_s] + [now]
        log.error("error in a screen, back to the welcome screen", exc_info=exception)
        if len(self.times) > self.limit:
            return ExceptionManager.RAISE
        Clock.schedule_once(lambda _dt: self.app.go_home(), 0)
        return ExceptionManager.PASS


class Translator(Observable):
    """kv's `_("…")`: the app's `tr`, observed through the app's `lang` property.

    Kivy's kv compiler watches the name `_` in every rule that calls `_(`, and binds it with
    `fbind("_", …)`; handing those bindings to `lang` re-renders each text on a switch.
    """

    def __init__(self, app: KioskApp):
        super().__init__()
        # Weakly: Kivy's kv bindings (kivy.lang's module-level `_handlers`) keep this object,
        # and a strong reference would keep every app of a process, with all its widgets,
        # alive: each frame then grows slower (found in long test runs).
        self._app = weakref.ref(app)

    @property
    def app(self) -> KioskApp | None:
        return self._app()

    def __call__(self, text, **params) -> str:
        app = self.app
        return app.tr(text, **params) if app is not None else str(text)

    def fbind(self, _name, func, *args, **kwargs):
        app = self.app
        return app.fbind("lang", func, *args, **kwargs) if app is not None else 0

    def funbind(self, _name, func, *args, **kwargs):
        app = self.app
        return app.funbind("lang", func, *args, **kwargs) if app is not None else None

    def unbind_uid(self, _name, uid):
        app = self.app
        return app.unbind_uid("lang", uid) if app is not None else None


class KioskApp(App):
    """The kiosk. `KioskApp(kiosk.config.load(path)).run()`."""

    title = "Permanence numérique"
    use_kivy_settings = False

    lang = StringProperty("fr")
    #: whether `lang` is written right to left (kv mirrors alignments and rows on it).
    rtl = BooleanProperty(False)
    #: UI scale from the window's short side (480 px -> 1.0): the portrait Touch Display 2
    #: (720 px wide, ~210 dpi) gets 1.5x the pixels for the same millimetres as the 7" panel.
    scale = NumericProperty(1.0)
    portrait = BooleanProperty(False)
    is_open = BooleanProperty(True)
    #: the category of the last counted tap (shown on Merci), and whether it can be undone.
    last_category = StringProperty("")
    can_undo = BooleanProperty(False)
    sync_state = ObjectProperty(None, allownone=True)
    #: set once Accueil has been drawn (READY=1 sent).
    ready = BooleanProperty(False)

    def __init__(self, config: Config, *, store=None,
                 now: Callable[[], dt.datetime] = local_now, **kwargs):
        configure_kivy(config)
        super().__init__(**kwargs)
        from kiosk.store import Store

        self.kiosk_config = config
        #: The wall clock for the opening hours and "today"; tests inject a controlled one
        #: (with a store reading the same clock), so no test depends on the real date.
        self.now = now
        self.catalogue = load_catalogue()
        self.categories = self.catalogue.subset(config.permanence.categories)
        self.store = store if store is not None else Store.for_config(config)
        #: Made after the first frame (importing it costs more than drawing the welcome
        #: screen); None until then, and always without a coordinator.
        self.sync_client = None
        self.set_language(config.kiosk.languages[0])
        # The kv files' `_` (rules are applied after this, when the screens are built).
        global_idmap["_"] = Translator(self)
        self.voice = Voice(self)  # read aloud: plays audio rendered at install time
        self._last_tap = None
        self._last_tap_at = -1e9
        self._held_day = None
        self._undo_until = 0.0
        self._idle = Clock.create_trigger(self._on_idle, config.kiosk.idle_timeout_s)
        self._thanks = Clock.create_trigger(self._on_thanks_over, config.kiosk.thanks_s)
        self._undo_end = Clock.create_trigger(self._on_undo_over, config.kiosk.undo_window_s)
        self._exception_handler = _BackHome(self)
        self._events = []
        self._previous_sigterm = None
        self._stopped = False
        self._collect_after_first_frame = False

    @functools.cached_property
    def pin_throttle(self):
        """The PIN pad's throttle, made when first asked for (not on the start path)."""
        from kiosk.pin import PinThrottle

        return PinThrottle(self.kiosk_config.kiosk.data_dir)

    @functools.cached_property
    def _worker(self):
        """The one worker thread; made (and concurrent.futures imported) after the first
        frame, by the first work handed to it."""
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-worker")

    # --- building ------------------------------------------------------------------------

    def build(self):
        # Building and drawing Accueil makes objects that live on: the 40 collections the
        # interpreter would run over them before the first frame free nothing (3 ms). The
        # one young collection due is run once the frame is shown (_after_first_frame).
        self._collect_after_first_frame = gc.isenabled()
        gc.disable()
        try:
            return self._build_home()
        except BaseException:
            self._resume_collection()
            raise

    def _build_home(self):
        from kivy.core.window import Window
        from kivy.uix.screenmanager import NoTransition, ScreenManager

        from screens.accueil import AccueilScreen

        Window.clearcolor = (0, 0, 0, 1)
        if not self.kiosk_config.kiosk.fullscreen:
            # A window made by an earlier App in this process keeps its size otherwise.
            Window.size = window_size()
        self._on_window_size(Window, Window.size)
        # NoTransition: the answer to a tap must show on the very next frame.
        # Made at the window's size: laid out once at 100x100 (Kivy's default), Accueil would
        # wrap its texts to that width first, only to do it again a moment later.
        manager = ScreenManager(transition=NoTransition(), size=Window.size)
        manager.add_widget(AccueilScreen(name=HOME, kiosk=self, size=Window.size))
        self.is_open = self._open_now()
        if not self.is_open:
            from screens.ferme import FermeScreen

            manager.add_widget(FermeScreen(name=CLOSED, kiosk=self))
            manager.current = CLOSED
        return manager

    def _screen(self, name: str):
        """The screen called `name`, built the first time it is needed (faster start)."""
        if not self.root.has_screen(name):
            from screens import lazy_screen

            self.root.add_widget(lazy_screen(name, self))
        return self.root.get_screen(name)

    def on_start(self):
        from kivy.core.window import Window

        ExceptionManager.add_handler(self._exception_handler)
        Window.bind(on_keyboard=self._swallow_key, on_request_close=self._refuse_close,
                    on_motion=self._on_motion, size=self._on_window_size)
        Window.bind(on_flip=self._on_first_flip)
        self._events.append(Clock.schedule_interval(self._check_hours, 30))
        if threading.current_thread() is threading.main_thread():
            # systemd stops the kiosk with SIGTERM: stop cleanly (the store lock is released).
            self._previous_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)
        self._idle()

    def stop(self, *largs):
        super().stop(*largs)
        # Kivy forgets the running app here, yet the layouts already due in this frame still
        # run and kv rules read `app` (a screen in transition, a button resized): keep
        # answering until run() returns, whose own final _stop() forgets the app for good.
        App._running_app = self

    def on_stop(self):
        from kivy.core.window import Window

        self._stopped = True
        self._resume_collection()
        for event in self._events:
            event.cancel()
        for trigger in (self._idle, self._thanks, self._undo_end):
            trigger.cancel()
        Window.unbind(on_keyboard=self._swallow_key, on_request_close=self._refuse_close,
                      on_motion=self._on_motion, size=self._on_window_size)
        Window.unbind(on_flip=self._on_first_flip)
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None
        if self._exception_handler in ExceptionManager.handlers:
            ExceptionManager.remove_handler(self._exception_handler)
        if self.sync_client is not None:
            self.sync_client.stop()
        if "_worker" in self.__dict__:  # made by the first background work
            self._worker.shutdown(wait=True)
        self.store.close()

    # --- lock-down -----------------------------------------------------------------------

    def open_settings(self, *_args):
        """F1 opens nothing on a kiosk."""
        return False

    def _swallow_key(self, _window, key, *_args):
        # Returning True stops Escape (exit), F1 (settings) and every other shortcut.
        return True

    def _refuse_close(self, *_args, **_kwargs):
        # The window's close button or Alt-F4 must not end the kiosk; systemd stops it.
        return True

    def _on_sigterm(self, _signum, _frame):
        Clock.schedule_once(lambda _dt: self.stop(), 0)

    def _on_first_flip(self, window):
        window.unbind(on_flip=self._on_first_flip)
        self.ready = True
        sdnotify.notify("READY=1")
        # What the first frame does not need comes on the next clock tick, which Kivy runs
        # before it dispatches the next touch: Merci is ready for the first tap. The sync
        # client (requests, pydantic) is imported on the worker thread: the UI never waits.
        Clock.schedule_once(self._after_first_frame, 0)
        # Pinged from the Kivy clock: a frozen UI stops the pings and systemd restarts us.
        period = sdnotify.watchdog_period_s()
        if period:
            self._events.append(Clock.schedule_interval(
                lambda _dt: sdnotify.notify("WATCHDOG=1"), period))

    def _resume_collection(self) -> None:
        if self._collect_after_first_frame:
            self._collect_after_first_frame = False
            gc.enable()

    # --- layout --------------------------------------------------------------------------

    def _on_window_size(self, _window, size):
        width, height = size
        self.scale = max(0.75, min(width, height) / 480)
        self.portrait = height > width

    # --- words -------------------------------------------------------------------------

    def tr(self, text, **params) -> str:
        """`text` (a French msgid, an i18n Phrase or Message) in the app's language: the
        one way the UI says anything. Python callers re-run on `lang` changes themselves.
        Arabic comes out with its letters joined (kiosk/rtl.py; lines are reordered when
        drawn, screens/rtl_lines.py)."""
        return rtl.shape(self.lang, i18n.translate(self.lang, text, **params))

    def language_button_text(self, _lang: str) -> str:
        """With two languages, the button names the one it switches to; with more, it
        opens the picker and names the current one. Each name is in its own language."""
        if len(self.kiosk_config.kiosk.languages) > 2:
            return self.language_name(self.lang)
        return self.language_name(self.next_language())

    def language_name(self, lang: str) -> str:
        """`lang` named in itself, ready to draw (joined letters for Arabic)."""
        return rtl.shape(lang, i18n.language_name(lang))

    def choose_language(self) -> None:
        """The language button: two languages switch in one tap (the button already shows
        the other one); more open the picker (screens/langues.py)."""
        if len(self.kiosk_config.kiosk.languages) > 2:
            self.show(LANGUAGES)
        else:
            self.switch_language()

    def mediator_language(self) -> str:
        """The PIN pad and the mediator view speak French or English only (their texts are
        not in the other catalogues): the current language if it is one, else the config's
        first of them, else French. The visitor's language comes back with the next visit."""
        offered = [lang for lang in self.kiosk_config.kiosk.languages if lang in ("fr", "en")]
        return self.lang if self.lang in ("fr", "en") else (offered or ["fr"])[0]

    def pick_language(self, lang: str) -> None:
        """A choice on the picker: the visit goes on in `lang`, from the welcome screen."""
        self.set_language(lang)
        self.go_home()

    def next_language(self) -> str:
        languages = self.kiosk_config.kiosk.languages
        return languages[(languages.index(self.lang) + 1) % len(languages)] \
            if self.lang in languages else languages[0]

    def switch_language(self) -> None:
        self.set_language(self.next_language())

    def set_language(self, lang: str) -> None:
        self.rtl = rtl.is_rtl(lang)  # before `lang`: texts re-rendered on it see the direction
        self.lang = lang

    # --- the way of one tap --------------------------------------------------------------

    def record_visit(self, category_id: str) -> bool:
        """Count one visit for `category_id` and show Merci. False if ignored.

        A tap within `double_tap_guard_s` of the last counted one is the same visit (a double
        tap, a resting hand) and is not counted. The store call stays on the UI thread on
        purpose: it takes a few milliseconds (one small fsync'd file), and the visitor must
        only see "Merci" for a tap that is already safe on disk.
        """
        now = time.monotonic()
        if now - self._last_tap_at < self.kiosk_config.kiosk.double_tap_guard_s:
            # Not logged: a log line per tap would keep its time, finer than the day.
            return False
        try:
            self._last_tap = self.store.record(category_id)
        except StoreError as exc:
            # Disk full or read-only: no "Merci" for a tap that is not safe on disk.
            log.error("a tap could not be counted: %s", exc)
            return False
        self._last_tap_at = now
        self.last_category = category_id
        self.can_undo = True
        self._undo_end()
        self.show(THANKS)
        self._thanks()
        # No push follows a tap: the sync's schedule sends the day once it is over.
        return True

    def undo_last(self) -> bool:
        """"Je me suis trompé(e)": take back the last tap while the undo window is open."""
        if not self.can_undo or self._last_tap is None or not self.undo_ready():
            return False
        undone = self.store.undo(self._last_tap)
        self._last_tap = None
        self.can_undo = False
        self._last_tap_at = -1e9  # the visitor's next choice counts at once
        self._thanks.cancel()
        self.go_home()
        return undone

    def undo_ready(self) -> bool:
        """The undo button ignores touches during the double-tap guard (the second half of
        a double tap must not undo the first)."""
        return time.monotonic() - self._last_tap_at >= self.kiosk_config.kiosk.double_tap_guard_s

    def category(self, category_id: str):
        return self.catalogue.get(category_id)

    # --- navigation ----------------------------------------------------------------------

    def show(self, name: str) -> None:
        self._screen(name)
        self.root.current = name

    def go_home(self) -> None:
        """Back to Accueil (or Fermé outside the opening hours), in the first language."""
        self.is_open = self._open_now()
        if self.root is not None:
            self.show(HOME if self.is_open else CLOSED)

    def open_info(self) -> None:
        self.show(INFO)

    def open_pages(self, name: str) -> None:
        self._screen(name).first_page()
        self.show(name)

    def open_pin(self) -> None:
        self.set_language(self.mediator_language())
        self._screen(PIN).reset()
        self.show(PIN)

    def open_mediator(self) -> None:
        self.in_background(self.store.upkeep, None)  # first: the mediator sees re-dated taps
        self._screen(MEDIATOR).refresh()
        self.show(MEDIATOR)

    def _open_now(self) -> bool:
        return self.kiosk_config.permanence.is_open(self.now())

    def _check_hours(self, _dt) -> None:
        is_open = self._open_now()
        if is_open != self.is_open and self.root.current in (HOME, CLOSED):
            self.go_home()
        self.is_open = is_open
        self.in_background(self.store.upkeep, None)  # the store's scheduled housework
        self._mark_held()

    def _mark_held(self) -> None:
        """Tell the store (off the UI thread) that the permanence is held today."""
        today = self.now().date()
        if self.is_open and self._held_day != today:
            self.in_background(self.store.mark_held, self._held_marked)

    def _held_marked(self, day) -> None:
        if day is not None and day != self._held_day:
            self._held_day = day

    # --- timers --------------------------------------------------------------------------

    def _on_motion(self, _window, _etype, event):
        if event.is_touch:
            self._idle.cancel()  # re-arming a pending trigger would not postpone it
            self._idle()

    def _on_idle(self, _dt) -> None:
        if self.root.current not in (HOME, CLOSED) or self.lang != self.kiosk_config.kiosk.languages[0]:
            self.set_language(self.kiosk_config.kiosk.languages[0])
            self.go_home()
        self._idle()

    def _on_thanks_over(self, _dt) -> None:
        if self.root.current == THANKS:
            self.set_language(self.kiosk_config.kiosk.languages[0])
            self.go_home()

    def _on_undo_over(self, _dt) -> None:
        self.can_undo = False

    # --- background work -----------------------------------------------------------------

    def in_background(self, work: Callable[[], object], done: Callable[[object], None],
                      failed: Callable[[Exception], None] | None = None) -> None:
        """Run `work()` on the worker thread; `done(result)` or `failed(error)` on the UI thread."""

        def run():
            try:
                result = work()
            except Exception as error:  # handed back to the UI, which says it in plain words
                log.exception("background work failed")
                deliver(failed, error)
            else:
                deliver(done, result)

        @mainthread
        def deliver(callback, value):
            if callback is not None:
                callback(value)

        self._worker.submit(run)

    def _after_first_frame(self, _dt) -> None:
        self._resume_collection()
        if self._stopped:
            return
        # The worker thread is started here, not before: until the first frame is drawn,
        # the UI thread has the interpreter to itself.
        self._mark_held()
        self.voice.start()
        self._screen(THANKS)
        if self.kiosk_config.coordinator.enabled:
            self.in_background(self._make_sync_client, self._start_sync)

    def _make_sync_client(self):
        from sync.client import SyncClient

        return SyncClient(self.kiosk_config, self.store)

    def _start_sync(self, client) -> None:
        if self._stopped:
            return
        self.sync_client = client
        client.on_change = self._sync_changed
        client.start()
        self.in_background(lambda: client.state, self._set_sync_state)

    def _sync_changed(self) -> None:
        # Called on the sync thread: reading the state (the store) stays off the UI thread.
        self._set_sync_state(self.sync_client.state)

    @mainthread
    def _set_sync_state(self, state) -> None:
        self.sync_state = state
