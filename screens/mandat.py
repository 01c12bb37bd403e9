"""Le mandat ("je fais à la place de"), in plain language: one idea per page, a pictogram,
a QR code to the full text.

Every sentence comes from the convention: article 4.2 and annex 1 §6 (the mandate is
recommended, informs, is no legal guarantee, the commune answers for the service), article
3.2 (minors) and annex 3 §1-5 (the example mandate). docs/convention-trace.md maps each
clause to its page here; tests/ui/test_convention_trace.py keeps that map true.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from kivy.lang import Builder

from screens.pages import Page, PagesScreen


def full_text_url(config) -> str:
    """The QR's address: the commune's own mandate page, else the printable mandate its
    coordinator serves (`<url>/mandat.pdf?commune=<commune>`), else "" (no QR)."""
    if config.privacy.mandate_url:
        return config.privacy.mandate_url
    if not config.coordinator.url:
        return ""
    parts = urlsplit(config.coordinator.url)
    host = parts.netloc.rpartition("@")[2]  # never show a visitor credentials in a URL
    query = urlencode({"commune": config.permanence.commune}) if config.permanence.commune else ""
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/") + "/mandat.pdf", query, ""))


class MandatScreen(PagesScreen):
    def pages(self) -> list[Page]:
        privacy = self.kiosk.kiosk_config.privacy
        url = full_text_url(self.kiosk.kiosk_config)
        tr = self.kiosk.tr
        return [
            Page("account-voice", tr("« Je fais à votre place »"),
                 tr("Parfois, la personne qui vous aide fait une démarche sur internet "
                    "à votre place. Par exemple : elle crée votre adresse mail.")),
            Page("file-sign", tr("Un papier conseillé : le mandat"),
                 tr("Avant, on vous conseille de signer un papier : le mandat. "
                    "Il n'est pas obligatoire.")),
            Page("information-outline", tr("Le mandat sert à vous informer"),
                 tr("Le mandat vous explique ce que l'on fait avec vos informations. "
                    "Ce n'est pas une garantie devant la justice.")),
            Page("format-list-checks", tr("La liste de vos démarches"),
                 tr("Le mandat donne la liste de toutes les démarches à faire pour vous. "
                    "La personne fait seulement ces démarches.")),
            Page("shield-key-outline", tr("Seulement ce qui est utile"),
                 tr("Elle garde seulement les informations utiles pour ces démarches. "
                    "Elle les efface quand elles ne servent plus.")),
            Page("hand-back-right-outline", tr("Elle vous demande avant"),
                 tr("Pour une autre démarche, elle vous demande d'abord votre accord.")),
            Page("bell-ring-outline", tr("Elle vous dit tout"),
                 tr("Elle vous dit souvent tout ce qu'elle fait pour vous. "
                    "Par exemple : un mail envoyé à votre caisse de retraite.")),
            Page("lock-outline", tr("C'est secret"),
                 tr("Elle ne donne pas vos informations aux autres, même pas à ses "
                    "collègues. Elle les range en sécurité.")),
            Page("scale-balance", tr("Elle vous dit vos droits"),
                 tr("Elle vous explique vos droits sur vos informations. Vous pouvez "
                    "retirer votre accord à tout moment.")),
            Page("door-closed", tr("Arrêter le mandat"),
                 tr("Le mandat s'arrête quand les démarches sont faites. Vous pouvez "
                    "l'arrêter avant : dites-le à la personne qui vous aide. "
                    "Elle aussi peut l'arrêter.")),
            Page("town-hall", tr("La commune est responsable"),
                 tr("{controller} est responsable de l'aide donnée ici. S'il y a une "
                    "erreur, c'est la commune qui répond, pas la personne qui vous aide.",
                    controller=privacy.controller)),
            Page("human-male-child", tr("Pour un enfant"),
                 tr("Une personne de moins de 18 ans est reçue seulement si ses parents "
                    "sont d'accord.")),
            Page("qrcode", tr("Tout le texte du mandat"),
                 tr("Avec votre téléphone, visez ce carré pour lire tout le mandat.")
                 if url else
                 tr("Demandez le mandat complet à la personne de l'accueil."),
                 qr_url=url),
        ]


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
