"""Build hook (the rest of the metadata is in pyproject.toml): stamp the package with the
day it was built, kiosk/build_date.txt, which kiosk.clock reads as BUILD_DATE. No kiosk can
run before its software was built, so the date must come from the build, not from a hand
edit. SOURCE_DATE_EPOCH, when set, gives a reproducible build its date."""

import datetime as dt
import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithDate(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the source tree: the committed date applies
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        built = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
        target = Path(self.build_lib, "kiosk", "build_date.txt")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(built.date().isoformat() + "\n")


setup(cmdclass={"build_py": BuildPyWithDate})
