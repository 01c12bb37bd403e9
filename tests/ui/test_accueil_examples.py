"""Accueil's category buttons show their examples exactly when they fit, and hold still."""

from __future__ import annotations

import pytest
from ui_helpers import make_config, run_app, screen

pytestmark = pytest.mark.ui


def needed_height(button) -> float:
    """The height the button's content takes with its examples shown."""
    content = [c for c in button.children if c.size_hint_y is None]
    padding = button.padding[1] + button.padding[3]
    examples = button.ids.examples
    others = sum(c.height for c in content if c is not examples.__self__)
    return (padding + others + examples.texture_size[1]
            + button.spacing * (len(button.children) - 1))


def test_examples_show_where_they_fit_and_never_flicker(tmp_path, monkeypatch):
    # Portrait with "Je pars": some buttons have just the room for their examples, others
    # have not (the greeting takes two lines). With the examples' own height counted among
    # the others, they were hidden and shown again on every frame.
    monkeypatch.setenv("KIOSK_WINDOW_SIZE", "720x1280")
    config = make_config(tmp_path, kiosk={"exit_question": True})
    changes = []

    def script(app):
        buttons = screen(app, "accueil").category_buttons()
        for button in buttons:
            button.bind(examples_shown=lambda *_args: changes.append(1))
        for _ in range(10):  # ten frames or more
            yield 0.05
        assert changes == [], f"examples shown or hidden {len(changes)} times in 10 frames"
        for button in buttons:
            fits = needed_height(button) <= button.height
            assert button.examples_shown == fits, (button.category_id, needed_height(button),
                                                   button.height)
            shown = button.ids.examples
            assert shown.height == (shown.texture_size[1] if fits else 0)
        assert any(b.examples_shown for b in buttons)

    run_app(config, script)


def test_the_buttons_follow_a_new_window_size(tmp_path, monkeypatch):
    # Built in Python (screens/widgets.py), a button restyles itself on the app's `scale`
    # and `lang`: after a switch to the portrait panel and to Ukrainian (Noto Sans), it is
    # what a button made at that size in that language would be.
    monkeypatch.setenv("KIOSK_WINDOW_SIZE", "800x480")
    config = make_config(tmp_path, kiosk={"languages": ["fr", "uk"]})

    def script(app):
        from kivy.core.window import Window

        from screens import theme

        Window.size = (720, 1280)
        app.switch_language()
        for _ in range(10):
            yield 0.05
        assert app.scale == 1.5 and app.lang == "uk"
        for button in screen(app, "accueil").category_buttons():
            icon = next(c for c in button.children if getattr(c, "icon", ""))
            name, examples = button.ids.label, button.ids.examples
            assert icon.font_size == 63
            assert (name.font_size, examples.font_size) == (30, 24)
            assert name.font_name == examples.font_name == theme.text_font("uk")
            assert list(button.padding) == [9, 6, 9, 6] and button.spacing == 1.5
            assert name.text == app.tr(app.category(button.category_id).phrase("short"))
            assert name.text_size[0] == name.width > 0

    run_app(config, script)
