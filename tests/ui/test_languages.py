"""Seven languages, one picker, Arabic right to left: the real app, a real window, touches.

A visitor taps the language button, picks العربية on the picker, sees the welcome screen in
Arabic (joined letters: presentation forms; rows and text mirrored), chooses a category,
and the kiosk is back in French after the visit. Also: the picker names each language in
itself, in a font that holds all of its letters; two languages keep one tap to switch.
"""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont
from ui_helpers import make_config, run_app, screen, tap, wait_until

from kiosk import rtl
from kiosk.i18n import LANGUAGES, language_name, translate

pytestmark = pytest.mark.ui

GREETING = "Bonjour ! Pourquoi venez-vous aujourd'hui ?"
#: Arabic Presentation Forms-A and -B: what joined Arabic letters are drawn with.
PRESENTATION_FORMS = range(0xFB50, 0xFF00)
NAMES = {"fr": "Français", "en": "English", "ar": "العربية", "uk": "Українська",
         "tr": "Türkçe", "pt": "Português", "es": "Español"}


def _joined(text: str) -> bool:
    return any(ord(c) in PRESENTATION_FORMS for c in text)


def test_pick_arabic_on_the_picker_then_french_after_the_visit(tmp_path):
    config = make_config(tmp_path, thanks_s=5, idle_timeout_s=3600, double_tap_guard_s=0.1)
    assert config.kiosk.languages == tuple(NAMES)  # the default: every language

    def script(app):
        home = screen(app, "accueil")
        bar = home.ids.top_bar
        assert app.lang == "fr" and home.ids.greeting.text == GREETING
        assert bar.ids.language.text == "Français"  # the language on screen, in itself
        french_place_x = bar.ids.place.x
        tap(bar.ids.language)
        yield 0.3
        assert app.root.current == "langues"
        picker = screen(app, "langues")
        buttons = {b.lang: b for b in picker.language_buttons()}
        assert list(buttons) == list(NAMES)
        for lang, button in buttons.items():
            label = button.ids.name
            assert label.text == rtl.shape(lang, NAMES[lang])
            assert label.font_name == {"ar": "NotoSansArabicKiosk", "uk": "NotoSansKiosk",
                                       "tr": "NotoSansKiosk"}.get(lang, "Atkinson")
        assert buttons["fr"].current and not buttons["ar"].current
        tap(buttons["ar"])
        yield 0.3
        assert app.lang == "ar" and app.rtl and app.root.current == "accueil"
        greeting = home.ids.greeting
        assert _joined(greeting.text), greeting.text
        assert greeting.text == rtl.shape("ar", translate("ar", GREETING))
        assert greeting.font_name == "NotoSansArabicKiosk"
        # Mirrored: the place's name moves to the right, the language and info buttons to
        # the left; running text starts on the right; a button's icon sits right of its words.
        assert bar.ids.place.x > bar.ids.language.x and bar.ids.place.x > french_place_x
        assert bar.ids.info.x < bar.ids.language.x
        name = bar.ids.place.children[-1]
        assert name.halign == "auto" and name.base_direction == "rtl"  # starts on the right
        assert greeting.halign == "center"  # a screen's own alignment is kept
        icon, words = bar.ids.info.children[1], bar.ids.info.ids.text_label
        assert icon.x > words.x
        tap(bar.ids.info)
        yield 0.3
        infos = screen(app, "infos")
        assert infos.ids.data.x > infos.ids.mandate.x  # the first card on the right
        assert infos.ids.home.x > infos.width / 2
        tap(infos.ids.home)
        yield 0.3
        assert app.root.current == "accueil" and app.lang == "ar"
        labels = [b.ids.label.text for b in home.category_buttons()]
        assert all(_joined(text) or text == "ViaTrajectoire" for text in labels), labels
        tap(home.category_buttons()[0])
        yield 0.3
        assert app.root.current == "merci"
        assert _joined(screen(app, "merci").ids.thanks.text)
        yield from wait_until(lambda: app.root.current == "accueil", timeout_s=30)
        yield 0.3
        assert app.lang == "fr" and not app.rtl
        assert home.ids.greeting.text == GREETING and home.ids.greeting.halign == "center"
        assert name.base_direction == "ltr"
        assert bar.ids.place.x == pytest.approx(french_place_x)

    run_app(config, script, timeout_s=90)


def test_two_languages_switch_in_one_tap(tmp_path):
    """With two languages the button names the other one and switches at once (one tap is
    quicker than a picker, and the visitor sees their language's name on the button)."""
    config = make_config(tmp_path, kiosk={"languages": ["fr", "ar"]}, idle_timeout_s=3600)

    def script(app):
        bar = screen(app, "accueil").ids.top_bar
        assert bar.ids.language.text == rtl.shape("ar", "العربية")
        tap(bar.ids.language)
        yield 0.3
        assert app.root.current == "accueil" and app.lang == "ar"
        assert bar.ids.language.text == "Français"
        assert not app.root.has_screen("langues")

    run_app(config, script)


def test_the_mediator_pad_speaks_french_when_the_visitor_chose_arabic(tmp_path):
    config = make_config(tmp_path, kiosk={"languages": ["ar", "uk"]}, idle_timeout_s=3600)

    def script(app):
        assert app.lang == "ar"
        app.open_pin()
        yield 0.3
        assert app.lang == "fr" and not app.rtl

    run_app(config, script)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_font_draws_every_letter_of_its_texts(lang):
    """Kivy's SDL2 provider has no font fallback: a letter missing from the language's font
    would show as an empty box. Checked on what is drawn (Arabic: the joined forms)."""
    import importlib.util

    from screens.theme import font_files

    spec = importlib.util.spec_from_file_location(
        "kiosk_locale_update_fonts", rtl.__file__.replace("kiosk/rtl.py", "assets/locale/update.py"))
    update = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(update)
    texts = [m.string for m in update.read_catalogue(lang) if m.id and m.string]
    drawn = {c for text in texts for c in rtl.shape(lang, text) if not c.isspace()}
    drawn |= set(language_name(lang))
    for path in font_files(lang):
        cmap = TTFont(path)["cmap"].getBestCmap()
        missing = sorted(c for c in drawn if ord(c) not in cmap)
        assert missing == [], f"{path.name} lacks {missing}"


def test_arabic_lines_are_reordered_and_mirrored_as_drawn():
    shaped = rtl.shape("ar", "هنا (CARSAT، CAF) 12")
    assert _joined(shaped)
    visual = rtl.visual_line(shaped)
    # Right to left: the first Arabic word ends up last on the line, the Latin run and the
    # number keep their own order, the brackets turn to face the words they enclose.
    assert visual.startswith("12 (CARSAT، CAF) ")
    assert visual.endswith("".join(reversed(shaped[:3])))
    assert rtl.visual_line("Permanence (Crolles)") == "Permanence (Crolles)"
    assert rtl.visual_line(" " + shaped[:3] + " ") == " " + shaped[:3][::-1] + " "
    assert rtl.shape("fr", "هنا") == "هنا"  # only a right-to-left language is shaped


def test_review_pages_are_up_to_date():
    """docs/review/<lang>.md lists every visitor text of its catalogue as it is now."""
    import importlib.util

    path = rtl.__file__.replace("kiosk/rtl.py", "assets/locale/review_pages.py")
    spec = importlib.util.spec_from_file_location("kiosk_locale_review_pages", path)
    review = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(review)
    made = review.pages()
    assert {p.stem for p in made} == set(LANGUAGES) - {"fr"}
    for page_path, text in made.items():
        assert page_path.exists() and page_path.read_text(encoding="utf-8") == text, \
            f"{page_path.name} is out of date: run assets/locale/review_pages.py"
    assert "| Bonjour ! Pourquoi venez-vous aujourd'hui ? | مرحبًا! لماذا جئتم اليوم؟ |" in \
        made[review.OUT / "ar.md"]
