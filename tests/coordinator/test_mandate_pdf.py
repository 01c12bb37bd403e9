"""The public printable mandate, `GET /mandat.pdf?commune=<name>`, read back with poppler."""

from __future__ import annotations

import pdf_helpers as pdf
import pytest
from sqlalchemy import func, select

from sync.coordinator.schema import kiosks, users


def _get(client, tmp_path, query: str, name: str = "mandat.pdf"):
    answer = client.get("/mandat.pdf" + query, follow_redirects=False)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"] == "application/pdf"
    return answer, pdf.save(answer.content, tmp_path / name)


def test_mandate_without_login_with_the_commune(anonymous, network, tmp_path):
    answer, path = _get(anonymous, tmp_path, "?commune=pontcharra")
    assert 'filename="mandat-pontcharra.pdf"' in answer.headers["content-disposition"]
    text = pdf.text_of(path)
    flat = pdf.flat(text.replace("\n", " "))
    assert "Commune de Pontcharra" in text  # the network's spelling
    assert "Fait à Pontcharra" in text
    # the convention's facts, in our words, with French typography from the embedded font
    for words in ("Mandat « je fais à votre place »", "il n'est pas obligatoire",
                  "pas une garantie devant la justice", "je peux retirer mon accord à tout moment",
                  "Pas même à une ou un collègue", "Je peux l'arrêter à tout moment",
                  "c'est la commune qui en répond", "moins de 18 ans",
                  "seulement le service concerné de la commune", "personne référente",
                  "La personne aidée", "La personne qui aide", "Signature"):
        assert words in flat, words
    for letters in ("é", "è", "à", "ç", "«", "»"):
        assert letters in text
    assert 1 <= pdf.pages_of(path) <= 2
    assert "Page 1 sur" in text
    fonts = pdf.fonts_of(path)
    assert fonts and all(f["emb"] == "yes" for f in fonts)
    assert any("AtkinsonHyperlegible" in f["name"] for f in fonts)


def test_blanks_when_no_or_unknown_commune(anonymous, network, tmp_path):
    for query in ("", "?commune=", "?commune=Saint-Martin-d’Uriage"):
        _, path = _get(anonymous, tmp_path, query)
        text = pdf.text_of(path)
        assert "Commune de ____" in text, query
        assert "Uriage" not in text  # not in the network: not printed on an official form


def test_commune_name_is_never_stored(anonymous, network, tmp_path):
    def counts(engine):
        with engine.connect() as conn:
            return (conn.execute(select(func.count()).select_from(kiosks)).scalar_one(),
                    conn.execute(select(func.count()).select_from(users)).scalar_one())

    before = counts(network)
    _get(anonymous, tmp_path, "?commune=Froges")
    _get(anonymous, tmp_path, "?commune=Goncelin")
    assert counts(network) == before


@pytest.mark.parametrize(("commune", "message"), [
    ("<script>alert(1)</script>", "que des lettres"),
    ("=HYPERLINK(1)", "que des lettres"),
    ("Crolles\nFroges", "que des lettres"),
    ("a" * 61, "trop long"),
])
def test_bad_commune_names(anonymous, network, commune, message):
    answer = anonymous.get("/mandat.pdf", params={"commune": commune}, follow_redirects=False)
    assert answer.status_code == 400
    assert message in answer.text
    assert "Traceback" not in answer.text


def test_rendered_page_has_text_and_boxes(anonymous, network, tmp_path):
    _, path = _get(anonymous, tmp_path, "?commune=Crolles")
    images = pdf.images_of(path, tmp_path)
    assert len(images) == pdf.pages_of(path)
    for image in images:
        dark = sum(1 for px in image.getdata() if sum(px) < 300)
        assert dark > 1500, dark  # a page with real text on it, not a blank render
