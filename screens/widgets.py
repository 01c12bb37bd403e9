"""Widgets shared by the screens: text, pictogram, buttons and the hidden mediator corner.

Each rule in widgets.kv is named after its class here (no global Label/Button override).
"""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
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
    """A reason for the visit on Accueil. `category_id` is part of the Contract."""

    category_id = StringProperty("")
    icon = StringProperty("")
    label = StringProperty("")
    examples = StringProperty("")


class KioskScreen(Screen):
    """A screen of the kiosk; `kiosk` is the KioskApp that built it."""

    kiosk = ObjectProperty(None)


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
