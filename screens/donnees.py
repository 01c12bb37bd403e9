"""Vos données: what the kiosk keeps (nothing about you), who is responsible, your rights,
whom to contact, and a QR code to the full notice. Plain language, one idea per page."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder

from screens.pages import Page, PagesScreen


class DonneesScreen(PagesScreen):
    def pages(self) -> list[Page]:
        privacy = self.kiosk.kiosk_config.privacy
        tr = self.kiosk.tr
        contact = privacy.referent or privacy.controller
        if privacy.contact:
            contact = f"{contact}\n{privacy.contact}"
        return [
            Page("incognito", tr("Vous restez anonyme"),
                 tr("Cet écran compte seulement les visites. Il ne garde pas votre nom. "
                    "Il ne garde rien sur vous.")),
            Page("counter", tr("Ce qui est compté"),
                 tr("Chaque jour, l'écran compte combien de personnes viennent, "
                    "et pour quoi. Ces nombres aident à organiser l'aide.")),
            Page("account-tie", tr("Qui est responsable ?"),
                 tr("{controller} est responsable de cette permanence.",
                    controller=privacy.controller)),
            Page("scale-balance", tr("Vos droits"),
                 tr("Vous pouvez demander à voir vos informations. Vous pouvez les faire "
                    "corriger. Vous pouvez dire non, ou limiter leur usage. Vous pouvez "
                    "changer d'avis à tout moment.")),
            Page("email-fast-outline", tr("Qui contacter ?"),
                 tr("Pour vos informations, parlez à : {contact}.", contact=contact)
                 + "\n" + tr("Le délégué à la protection des données : {dpo}.",
                              dpo=privacy.dpo_contact)),
            Page("qrcode", tr("Tout le texte"),
                 tr("Avec votre téléphone, visez ce carré pour lire tout le texte.")
                 if privacy.notice_url else
                 tr("Demandez le texte complet à la personne de l'accueil."),
                 qr_url=privacy.notice_url),
        ]


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
