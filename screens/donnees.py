"""Vos données: the kiosk keeps nothing about the visitor; what a signed mandate records, on
what legal basis, for how long, who receives it, the visitor's rights, whom to contact.

The facts are the convention's (article 3.2 and the notice under annex 3); the contacts
come from the config: the commune's referent first, then the intercommunality's data
officer. docs/convention-trace.md maps each statement to its page here.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder

from screens.pages import Page, PagesScreen


class DonneesScreen(PagesScreen):
    def pages(self) -> list[Page]:
        privacy = self.kiosk.kiosk_config.privacy
        tr = self.kiosk.tr
        pages = [
            Page("incognito", tr("Cet écran ne garde rien sur vous"),
                 tr("Vous touchez un bouton : l'écran ajoute une visite au nombre du jour. "
                    "Il ne garde pas votre nom.")),
            Page("counter", tr("Seulement des nombres"),
                 tr("Chaque jour, l'écran compte les visites pour chaque sujet. "
                    "Ces nombres vont au réseau des permanences, sans aucun nom.")),
            Page("file-sign", tr("Si vous signez un mandat"),
                 tr("Le mandat garde votre nom, votre prénom et la liste des démarches. "
                    "Il montre que vous avez demandé l'aide et donné votre accord.")),
            Page("gavel", tr("Pourquoi c'est permis"),
                 tr("La loi oblige à garder cette preuve. "
                    "(Base légale : l'obligation légale.)")),
            Page("archive-outline", tr("Combien de temps ?"),
                 tr("Le mandat est gardé le temps de vos démarches. Ensuite, il peut être "
                    "archivé aussi longtemps que la loi le demande.")),
            Page("town-hall", tr("Qui le reçoit ?"),
                 tr("Seulement le service de la commune qui s'occupe de vos démarches. "
                    "{controller} en est responsable.", controller=privacy.controller)),
            Page("scale-balance", tr("Vos droits"),
                 tr("Vous pouvez demander à voir vos informations et les faire corriger. "
                    "Vous pouvez refuser leur usage, ou le limiter.")),
            Page("account-tie", tr("Qui contacter d'abord ?"), self._referent(tr)),
        ]
        if privacy.dpo_contact:
            pages.append(Page("shield-account", tr("Et ensuite ?"),
                              tr("Vous pouvez aussi écrire au délégué à la protection des "
                                 "données de la communauté de communes : {dpo}",
                                 dpo=privacy.dpo_contact)))
        pages.append(Page("qrcode", tr("Tout le texte"),
                          tr("Avec votre téléphone, visez ce carré pour lire tout le texte.")
                          if privacy.notice_url else
                          tr("Demandez le texte complet à la personne de l'accueil."),
                          qr_url=privacy.notice_url))
        return pages

    def _referent(self, tr) -> str:
        """The commune's referent for personal data, or how to find them when unset."""
        privacy = self.kiosk.kiosk_config.privacy
        who = "\n".join(p for p in (privacy.referent, privacy.contact) if p)
        if not who:
            return tr("Parlez d'abord à la personne référente de la commune. "
                      "Demandez son nom à l'accueil.")
        return tr("Parlez d'abord à la personne référente de la commune :") + "\n" + who


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
