"""A stopped app is released: nothing global (kv's bindings, the Clock) keeps it and its
widgets alive. Kept alive, every app of a process went on costing each frame, and UI tests
late in a long run grew slow enough to time out."""

from __future__ import annotations

import gc
import weakref

import pytest
from ui_helpers import make_config, run_app, screen, tap

pytestmark = pytest.mark.ui


def test_a_stopped_app_and_its_screens_are_collected(tmp_path):
    refs = {}

    def script(app):
        refs["app"] = weakref.ref(app)
        refs["accueil"] = weakref.ref(screen(app, "accueil"))
        tap(screen(app, "accueil").category_buttons()[0])
        yield 0.3
        app.set_language("en")
        yield 0.1
        app.go_home()
        yield 0.2

    run_app(make_config(tmp_path), script)
    gc.collect()
    assert refs["app"]() is None, "the stopped app is still referenced"
    assert refs["accueil"]() is None, "the stopped app's screens are still referenced"
