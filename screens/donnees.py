"""Vos données: what the kiosk keeps (nothing about you), who is responsible, your rights,
whom to contact, and a QR code to the full notice. Plain language, one idea per page."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder

from kiosk.i18n import translate
from screens.pages import Page, PagesScreen


class DonneesScreen(PagesScreen):
    def pages(self, lang: str) -> list[Page]:
        privacy = self.kiosk.kiosk_config.privacy

        def _(text: str) -> str:
            return translate(lang, text)

        contact = privacy.referent or privacy.controller
        if privacy.contact:
            contact = f"{contact}\n{privacy.contact}"
        return [
            Page("incognito", _("Vous restez anonyme"),
                 _("Cet écran compte seulement les visites. Il ne garde pas votre nom. "
                   "Il ne garde rien sur vous.")),
            Page("counter", _("Ce qui est compté"),
                 _("Chaque jour, l'écran compte combien de personnes viennent, "
                   "et pour quoi. Ces nombres aident à organiser l'aide.")),
            Page("account-tie", _("Qui est responsable ?"),
                 _("{controller} est responsable de cette permanence.").format(
                     controller=privacy.controller)),
            Page("scale-balance", _("Vos droits"),
                 _("Vous pouvez demander à voir vos informations. Vous pouvez les faire "
                   "corriger. Vous pouvez dire non, ou limiter leur usage. Vous pouvez "
                   "changer d'avis à tout moment.")),
            Page("email-fast-outline", _("Qui contacter ?"),
                 _("Pour vos informations, parlez à : {contact}.").format(contact=contact)
                 + "\n" + _("Le délégué à la protection des données : {dpo}.").format(
                     dpo=privacy.dpo_contact)),
            Page("qrcode", _("Tout le texte"),
                 _("Avec votre téléphone, visez ce carré pour lire tout le texte.")
                 if privacy.notice_url else
                 _("Demandez le texte complet à la personne de l'accueil."),
                 qr_url=privacy.notice_url),
        ]


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
