"""Widgets shared by the screens: text, pictogram, buttons and the hidden mediator corner.

Each rule in widgets.kv is named after its class here (no global Label/Button override).
"""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, RoundedRectangle
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from screens import theme
from screens.mirror import MirrorBox

theme.register_fonts()


class KText(Label):
    """Wrapped text in the legible font; its height follows its lines."""

    colour = ListProperty(theme.rgba("text"))


class KIcon(Label):
    """One Material Design pictogram, named as in assets/icons/icons.json."""

    icon = StringProperty("")
    colour = ListProperty(theme.rgba("text"))

    def on_icon(self, _widget, name: str) -> None:
        self.text = theme.icon(name) if name else ""


class KButton(ButtonBehavior, MirrorBox):
    """A large button: pictogram and words side by side. `filled` for the main action."""

    icon = StringProperty("")
    text = StringProperty("")
    filled = BooleanProperty(False)
    font_size = NumericProperty(22)


class CategoryButton(ButtonBehavior, BoxLayout):
    """A reason for the visit on Accueil. `category_id` is part of the Contract.

    Held `long_press_s` seconds, it reads its name aloud and the release does nothing (it
    is not counted); a shorter tap acts at once on release, as any button. Without audio
    for its name, a long press is a tap as before.

    Built here rather than by a kv rule: eight are on the kiosk's first frame, and a rule
    binds some forty expressions per button (1.2 ms each, a tenth of the cold start's
    excess over bare Kivy); here one handler per app property restyles the whole button.
    Top to bottom: a spacer, the pictogram, the name (`ids.label`), the examples
    (`ids.examples`), a spacer.
    """

    category_id = StringProperty("")
    icon = StringProperty("")
    label = StringProperty("")
    examples = StringProperty("")
    long_press_s = NumericProperty(0.6)

    #: False when the button is too short for its examples under its name (a long name
    #: on two lines, a small screen): the name and pictogram keep the room.
    examples_shown = BooleanProperty(True)

    def __init__(self, **kwargs):
        self._hold = None
        self._parts = None
        self._laid_out = False
        super().__init__(orientation="vertical", **kwargs)
        ink = theme.rgba("card_text")
        with self.canvas.before:
            self._fill = Color(*self._fill_rgba())
            self._card = RoundedRectangle(pos=self.pos, size=self.size)
        pictogram = KIcon(icon=self.icon, colour=ink, pos_hint={"center_x": .5})
        name = Label(text=self.label, bold=True, color=ink, halign="center", valign="top",
                     size_hint_y=None)
        examples = Label(text=self.examples, color=ink, halign="center", valign="top",
                         size_hint_y=None)
        self._parts = pictogram, name, examples
        for child in (Widget(), pictogram, name, examples, Widget()):
            self.add_widget(child)
        self.ids["label"], self.ids["examples"] = name.proxy_ref, examples.proxy_ref
        for text in (name, examples):
            text.fbind("width", self._wrap)
            text.fbind("texture_size", self._fit_height)
            self._wrap(text, text.width)
            self._fit_height(text, text.texture_size)
            # Drawn once laid out (do_layout), not first at the 100 px of a new widget.
            text._trigger_texture.cancel()
        self.fbind("pos", self._place_card)
        self.fbind("size", self._place_card)
        app = App.get_running_app()
        app.bind(scale=self._restyle, lang=self._refont)
        self._restyle(app, app.scale)
        self._refont(app, app.lang)
        fit = Clock.create_trigger(self.fit_examples)
        self.bind(height=fit, padding=fit, spacing=fit)
        for child in self.children:
            child.bind(height=fit)
        examples.bind(texture_size=fit)
        fit()

    def _fill_rgba(self):
        return theme.rgba("card_pressed") if self.state == "down" else theme.rgba("card")

    def on_state(self, _widget, _state) -> None:
        if self._parts is not None:
            self._fill.rgba = self._fill_rgba()

    def on_icon(self, _widget, name: str) -> None:
        if self._parts is not None:
            self._parts[0].icon = name

    def on_label(self, _widget, text: str) -> None:
        if self._parts is not None:
            self._parts[1].text = text

    def on_examples(self, _widget, text: str) -> None:
        if self._parts is not None:
            self._parts[2].text = text

    def on_examples_shown(self, _widget, _shown) -> None:
        if self._parts is not None:
            self._fit_height(self._parts[2], self._parts[2].texture_size)

    def do_layout(self, *args) -> None:
        super().do_layout(*args)
        if not self._laid_out:
            self._laid_out = True
            for text in self._parts[1:]:
                text._trigger_texture()

    def _place_card(self, *_args) -> None:
        self._card.pos, self._card.size = self.pos, self.size

    @staticmethod
    def _wrap(text, width) -> None:
        # One line until laid out (as KText in widgets.kv): wrapping to 0 px is wasted.
        text.text_size = (width or None), None

    def _fit_height(self, text, size) -> None:
        shown = text is not self._parts[2] or self.examples_shown
        text.height = size[1] if shown else 0
        text.opacity = 1 if shown else 0

    def _restyle(self, _app, scale: float) -> None:
        pictogram, name, examples = self._parts
        self.padding = scale * 6, scale * 4
        self.spacing = scale * 1
        self._card.radius = [scale * 14]
        pictogram.font_size = scale * 42
        name.font_size = scale * 20
        examples.font_size = scale * 16

    def _refont(self, _app, lang: str) -> None:
        for text in self._parts[1:]:
            text.font_name = theme.text_font(lang)

    def fit_examples(self, *_args) -> None:
        # The examples themselves (not the weak proxy in `ids`, which `is` never matches):
        # counted among the others, their own height hid them, which freed the room, which
        # showed them again, one frame after the other.
        examples = self._parts[2]
        others = [c for c in self.children if c is not examples and c.size_hint_y is None]
        need = (self.padding[1] + self.padding[3] + sum(c.height for c in others)
                + examples.texture_size[1] + self.spacing * (len(self.children) - 1))
        self.examples_shown = need <= self.height

    def spoken_texts(self) -> list[str]:
        return [self.label, self.examples]

    def on_touch_down(self, touch):
        voice = getattr(App.get_running_app(), "voice", None)
        if (voice is not None and self.collide_point(*touch.pos) and not self.disabled
                and voice.files(self.spoken_texts())):
            self._cancel_hold()
            self._hold = Clock.schedule_once(lambda _dt: self._held(touch, voice),
                                             self.long_press_s)
        return super().on_touch_down(touch)

    def on_touch_up(self, touch):
        self._cancel_hold()
        if touch.grab_current is self and touch.ud.get("spoken") is self:
            touch.ungrab(self)
            self._do_release()
            return True
        return super().on_touch_up(touch)

    def _cancel_hold(self) -> None:
        if self._hold is not None:
            self._hold.cancel()
            self._hold = None

    def _held(self, touch, voice) -> None:
        self._hold = None
        if self.state == "down" and touch.time_end == -1:  # still held on this button
            touch.ud["spoken"] = self
            voice.say(self.spoken_texts())


class SpeakerButton(KButton):
    """"Écouter": reads its screen's `spoken_texts()` aloud in the app's language, from the
    audio rendered beforehand; hidden while none of them has audio."""

    available = BooleanProperty(False)
    #: the pictogram with "Écouter", or the pictogram alone where the room is short (the
    #: top bar of Accueil and Fermé, the pages in portrait)
    labelled = BooleanProperty(True)
    #: screen properties whose change may change what the screen says
    WATCHED = ("title", "choice", "next_opening", "booking")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._check = Clock.create_trigger(self._update)
        self._screen = None

    def on_kv_post(self, _base):
        app = App.get_running_app()
        app.bind(lang=self._check)
        app.voice.bind(manifest=self._check, audible=self._check)

    def on_parent(self, *_args) -> None:
        self._find_screen()

    def _find_screen(self):
        """The screen this button reads (found once it is in the screen's tree)."""
        screen = self.parent
        while screen is not None and not isinstance(screen, KioskScreen):
            screen = screen.parent
        if screen is not None and screen is not self._screen:
            self._screen = screen
            screen.bind(on_pre_enter=self._check, on_leave=self._silence,
                        **{name: self._check for name in self.WATCHED
                           if screen.property(name, quiet=True) is not None})
            self._check()
        return self._screen

    def _texts(self) -> list[str]:
        screen = self._screen or self._find_screen()
        return screen.spoken_texts() if screen is not None else []

    def _update(self, *_args) -> None:
        voice = App.get_running_app().voice
        self.available = bool(voice.files(self._texts()))

    def _silence(self, *_args) -> None:
        App.get_running_app().voice.stop()

    def on_release(self) -> None:
        App.get_running_app().voice.say(self._texts())


class KioskScreen(Screen):
    """A screen of the kiosk; `kiosk` is the KioskApp that built it."""

    kiosk = ObjectProperty(None)

    def spoken_texts(self) -> list[str]:
        """What the screen's speaker button reads, as shown (none: no button)."""
        return []


class HomeScreen(KioskScreen):
    """Accueil and Fermé: they hold the hidden corner (top left) to the mediator's PIN pad."""

    def on_touch_down(self, touch):
        # The hidden corner lies over the top bar's framed name, drawn later: it must hear
        # a touch first (a long press is the mediator's, a short one goes on to the name).
        corner = next((c for c in self.children if isinstance(c, HiddenCorner)), None)
        if corner is not None:
            touch.push()
            touch.apply_transform_2d(self.to_local)
            try:
                if corner.dispatch("on_touch_down", touch):
                    return True
            finally:
                touch.pop()
        return super().on_touch_down(touch)

    def press_beneath(self, window_pos) -> None:
        """A short tap on the hidden corner goes to the button under it (the top bar's
        framed name): only a long press is the mediator's."""
        for widget in self.walk(restrict=True):
            if (isinstance(widget, ButtonBehavior) and widget.opacity > 0
                    and not widget.disabled
                    and widget.collide_point(*widget.to_widget(*window_pos))):
                widget.trigger_action(0)
                return


class TopBar(MirrorBox):
    """The permanence's name, "free", the language switch and the "i" button."""


class PlaceButton(ButtonBehavior, BoxLayout):
    """The permanence's name on the top bar, framed as a button: one tap opens "La
    permanence" (address, hours, how to book), from Accueil and from Fermé alike. It takes
    the name's place, so the category buttons keep all their room."""

    min_height = NumericProperty(68)


class HiddenCorner(Widget):
    """An invisible area; holding it `press_s` seconds fires `on_long_press`.

    The mediator's way in: a visitor brushing the corner does nothing, since the press must
    last (mediator.hidden_press_s, 3 s by default).
    """

    press_s = NumericProperty(3.0)
    __events__ = ("on_long_press", "on_short_press")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._pending = None

    def on_touch_down(self, touch):
        if not self.collide_point(*touch.pos):
            return False
        touch.grab(self)
        self._pending = Clock.schedule_once(self._fire, self.press_s)
        return True

    def on_touch_up(self, touch):
        if touch.grab_current is self:
            touch.ungrab(self)
            short = self._pending is not None
            self._cancel()
            if short and self.collide_point(*touch.pos):
                self.dispatch("on_short_press", self.to_window(*touch.pos))
            return True
        return False

    def _cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _fire(self, _dt) -> None:
        self._pending = None
        self.dispatch("on_long_press")

    def on_long_press(self) -> None:
        pass

    def on_short_press(self, window_pos) -> None:
        pass


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
