"""One source for config defaults: the dataclasses of kiosk/config.py. The example config
shows every key with exactly the value the code uses when the key is left out."""

import dataclasses
import tomllib
from pathlib import Path

from kiosk import config
from kiosk.store import Store

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "config.example.toml"
#: The keys without a default (DESIGN.md): a file holding only these is a valid config.
REQUIRED = {"kiosk": ["data_dir"], "coordinator": ["url", "token_file"]}


def test_the_example_names_every_key_and_no_other():
    example = tomllib.loads(EXAMPLE.read_text("utf-8"))
    cfg = config.parse(example, EXAMPLE)
    for section in ("kiosk", "coordinator", "permanence", "privacy", "mediator"):
        fields = {f.name for f in dataclasses.fields(getattr(cfg, section))}
        assert set(example[section]) == fields, section
    assert set(example["permanence"]["hours"]) == set(config.WEEKDAYS)


def test_the_example_shows_the_defaults_the_code_uses():
    example = tomllib.loads(EXAMPLE.read_text("utf-8"))
    minimal = {section: {key: example[section][key] for key in keys}
               for section, keys in REQUIRED.items()}
    documented = config.parse(example, EXAMPLE)
    defaults = config.parse(minimal, EXAMPLE)
    for section in ("kiosk", "coordinator", "permanence", "privacy", "mediator"):
        assert getattr(documented, section) == getattr(defaults, section), section


def test_the_store_and_the_config_share_their_defaults(tmp_path):
    cfg = config.parse({"kiosk": {"data_dir": str(tmp_path)},
                        "coordinator": {"url": "", "token_file": ""}})
    with Store(tmp_path) as store:
        assert store.retention_days == cfg.kiosk.retention_days
