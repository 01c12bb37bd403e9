"""Config loading: defaults, the minimal contract file, the example, one-line errors."""

import datetime as dt
from pathlib import Path

import pytest

from kiosk import config
from kiosk.catalogue import CATEGORY_IDS
from kiosk.config import ConfigError

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = """
[kiosk]
data_dir = "/var/lib/permanence-kiosk"
[coordinator]
url = "https://stats.example.org"
token_file = "/etc/permanence-kiosk/token"
"""


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_contract_file_is_valid_with_defaults(tmp_path):
    cfg = config.load(write(tmp_path, MINIMAL))
    assert cfg.kiosk.data_dir == Path("/var/lib/permanence-kiosk")
    assert cfg.coordinator.url == "https://stats.example.org"
    assert cfg.coordinator.token_file == Path("/etc/permanence-kiosk/token")
    assert cfg.permanence.categories == CATEGORY_IDS
    # No hours configured: always open, the closed screen never shows.
    assert cfg.permanence.is_open(dt.datetime(2026, 12, 25, 3, 0))
    assert cfg.permanence.next_opening(dt.datetime(2026, 12, 25, 3, 0)) is None


def test_empty_url_means_no_coordinator(tmp_path):
    cfg = config.load(write(tmp_path, MINIMAL.replace("https://stats.example.org", "")))
    assert not cfg.coordinator.enabled


@pytest.mark.parametrize("name", ["config.example.toml", "config.demo.toml"])
def test_shipped_configs_load(name):
    cfg = config.load(ROOT / "deploy" / name)
    assert cfg.kiosk.idle_timeout_s >= 30


def test_example_documents_every_key():
    """Every field of every section appears in the example (so none is undocumented)."""
    text = (ROOT / "deploy" / "config.example.toml").read_text("utf-8")
    cfg = config.load(ROOT / "deploy" / "config.example.toml")
    for section in ("kiosk", "coordinator", "permanence", "privacy", "mediator"):
        for field in getattr(cfg, section).__dataclass_fields__:
            documented = f"\n{field} =" in text or f"[{section}.{field}]" in text
            assert documented, f"{section}.{field} is not in the example config"


def test_the_seven_languages_are_accepted_in_any_order(tmp_path):
    seven = ["ar", "uk", "tr", "pt", "es", "en", "fr"]
    text = MINIMAL.replace("[kiosk]\n", f"[kiosk]\nlanguages = {seven!r}\n".replace("'", '"'))
    assert config.load(write(tmp_path, text)).kiosk.languages == tuple(seven)
    # Without the key: every language, French first.
    assert config.load(write(tmp_path, MINIMAL)).kiosk.languages == (
        "fr", "en", "ar", "uk", "tr", "pt", "es")


def test_relative_paths_are_read_from_the_config_folder(tmp_path):
    cfg = config.load(write(tmp_path, MINIMAL.replace("/var/lib/permanence-kiosk", "data")))
    assert cfg.kiosk.data_dir == tmp_path.resolve() / "data"


def test_hours_and_next_opening(tmp_path):
    text = MINIMAL + """
[permanence]
closed_dates = ["2026-12-01"]
[permanence.hours]
tuesday = ["14:00-17:00", "09:00-12:00"]
"""
    perm = config.load(write(tmp_path, text)).permanence
    tuesday = dt.datetime(2026, 12, 8, 10, 30)          # a Tuesday
    assert perm.is_open(tuesday)
    assert not perm.is_open(tuesday.replace(hour=12, minute=30))
    assert perm.next_opening(tuesday.replace(hour=12, minute=30)) == tuesday.replace(hour=14, minute=0)
    # 1 December 2026 is a closed Tuesday: the next opening is the week after.
    assert not perm.is_open(dt.datetime(2026, 12, 1, 10, 0))
    assert perm.next_opening(dt.datetime(2026, 11, 30, 20, 0)) == dt.datetime(2026, 12, 8, 9, 0)


@pytest.mark.parametrize("extra, message", [
    ("[kiosk]\nidle_timeout_s = 5\n", "kiosk.idle_timeout_s must be between 30 and 3600"),
    ("[kiosk]\nfullscreen = \"yes\"\n", "kiosk.fullscreen must be true or false"),
    ("[kiosk]\nundo_window_s = true\n", "kiosk.undo_window_s must be a whole number"),
    ("[kiosk]\nlanguages = [\"de\"]\n", "kiosk.languages: 'de' has no translation"),
    ("[kiosk]\nlanguages = [\"fr\", \"ar\", \"fr\"]\n", "kiosk.languages names a language twice"),
    ("[kiosk]\nlanguages = [\"AR\"]\n", "kiosk.languages: 'AR' has no translation"),
    ("[kiosk]\ncolour = 1\n", "kiosk.colour is not a known key"),
    ("[permanence]\ncategories = [\"impots\"]\n", "permanence.categories: unknown category 'impots'"),
    ("[permanence]\ncategories = []\n", "permanence.categories must offer at least one"),
    ("[permanence.hours]\nmonday = [\"9h-12h\"]\n", "permanence.hours.monday: '9h-12h' is not like"),
    ("[permanence.hours]\nmonday = [\"12:00-09:00\"]\n", "ends before it starts"),
    ("[permanence.hours]\nlundi = [\"09:00-12:00\"]\n", "permanence.hours.lundi is not a known key"),
    ("[permanence]\nclosed_dates = [\"25/12\"]\n", "permanence.closed_dates: '25/12' is not a date"),
    ("[privacy]\nnotice_url = \"ftp://x\"\n", r"privacy.notice_url must be an http\(s\) URL"),
    ("[mediator]\npin_hash = \"1234\"\n", "mediator.pin_hash is not a hash made by `kiosk set-pin`"),
    ("[stats]\nx = 1\n", r"\[stats\] is not a known section"),
])
def test_bad_values_get_one_line_naming_the_key(tmp_path, extra, message):
    base = MINIMAL
    # Merge into an existing table rather than repeating it (TOML forbids that).
    for table in ("[kiosk]\n",):
        if extra.startswith(table):
            base, extra = base.replace(table, extra), ""
    with pytest.raises(ConfigError, match=message) as err:
        config.load(write(tmp_path, base + extra))
    assert "\n" not in str(err.value)
    assert str(tmp_path) in str(err.value)


@pytest.mark.parametrize("text, message", [
    ("[kiosk]\n", "kiosk.data_dir is required"),
    (MINIMAL.replace('url = "https://stats.example.org"\n', ""), "coordinator.url is required"),
    (MINIMAL.replace('url = "https://stats.example.org"', 'url = "stats"'), "must be an http"),
    (MINIMAL.replace('token_file = "/etc/permanence-kiosk/token"', 'token_file = ""'),
     "coordinator.token_file is required when coordinator.url is set"),
    ("[kiosk\n", "not valid TOML"),
])
def test_missing_or_broken_required_keys(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        config.load(write(tmp_path, text))


def test_missing_file_and_env_default(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="config file not found"):
        config.load(tmp_path / "nope.toml")
    monkeypatch.setenv("KIOSK_CONFIG", str(write(tmp_path, MINIMAL)))
    assert config.load().kiosk.data_dir == Path("/var/lib/permanence-kiosk")


def test_demo_config_opens_the_mediator_view_with_the_readme_pin():
    from kiosk.pin import verify_pin

    cfg = config.load(ROOT / "deploy" / "config.demo.toml")
    assert verify_pin("246813", cfg.mediator.pin_hash)
    assert "**246813**" in (ROOT / "README.md").read_text("utf-8")
    assert cfg.kiosk.data_dir == ROOT / ".demo-data"


def test_the_exit_question_is_off_by_default_and_a_bad_value_names_its_key(tmp_path):
    from kiosk.config import parse

    base = {"kiosk": {"data_dir": str(tmp_path)},
            "coordinator": {"url": "", "token_file": ""}}
    assert parse(base).kiosk.exit_question is False
    on = parse({**base, "kiosk": {"data_dir": str(tmp_path), "exit_question": True}})
    assert on.kiosk.exit_question is True
    with pytest.raises(ConfigError, match=r"kiosk\.exit_question"):
        parse({**base, "kiosk": {"data_dir": str(tmp_path), "exit_question": "oui"}})
