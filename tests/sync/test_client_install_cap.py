"""The kiosk's words for a 4th install id refused by the coordinator (409)."""

from __future__ import annotations

from test_client import kiosks  # noqa: F401 - the fixture

from kiosk.i18n import translate


def test_a_fourth_install_is_told_in_plain_words(sqlite_coordinator, kiosks):  # noqa: F811
    token = sqlite_coordinator.add_kiosk()
    for card in ("card-1", "card-2", "card-3"):
        side = kiosks(sqlite_coordinator.url, token, card)
        side.tap("autre")
        assert side.client.sync_now().ok
    fourth = kiosks(sqlite_coordinator.url, token, "card-4")
    fourth.tap("autre", 2)
    result = fourth.client.sync_now()
    assert not result.ok
    assert result.message.code == "too_many_installs"
    assert translate("fr", result.message) == (
        "Le coordinateur refuse cette carte mémoire : la borne a déjà eu trop de cartes. "
        "Il doit remettre la borne à zéro. Les visites restent sur la borne.")
    assert translate("en", result.message) == (
        "The coordinator refuses this memory card: the kiosk has already had too many cards. "
        "It must reset the kiosk. The visits stay on the kiosk.")
    assert fourth.client.state.days_pending == 1
    assert sqlite_coordinator.totals() == {"autre": 3}
