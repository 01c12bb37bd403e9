#!/usr/bin/env bash
# Set up this checkout on Debian 12 / Python 3.11: system packages (installed when run as
# root, otherwise the exact apt-get line is printed) and a virtual environment in .venv.
#   scripts/setup.sh kiosk   what the kiosk app needs (no server packages)
#   scripts/setup.sh coordinator   the coordinator service alone (scripts/demo coordinator)
#   scripts/setup.sh test    everything: kiosk, coordinator, test tools, PostgreSQL, chromium
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-test}
case "$what" in
  kiosk) extras="" ;;
  coordinator) extras="[coordinator]" ;;
  test) extras="[coordinator,test]" ;;
  *) echo "setup.sh: unknown target '$what' (use: kiosk, coordinator or test)" >&2; exit 2 ;;
esac

# Kivy's SDL2 wheel needs Mesa GL/EGL and libmtdev; Xvfb gives a screen where there is none.
# espeak-ng and oggenc (vorbis-tools) render the read-aloud audio (kiosk/speech.py).
apt_kiosk=(libgl1 libgl1-mesa-dri libegl1 libgles2 libmtdev1 xvfb xauth espeak-ng vorbis-tools)
apt_test=("${apt_kiosk[@]}" postgresql chromium shellcheck systemd ansible-core caddy nginx-light
          zbar-tools poppler-utils)
case "$what" in
  kiosk) wanted=("${apt_kiosk[@]}") ;;
  coordinator) wanted=() ;;  # pure Python wheels
  *) wanted=("${apt_test[@]}") ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages; run as root:" >&2
    echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
# The locked versions (requirements/, see scripts/lock), then the project alone: a lock
# older than pyproject.toml stops here rather than installing something else.
scripts/lock --check
lock=requirements/$what.txt
# Reinstall only when the project's metadata or its lock changed since the last install.
stamp=".venv/.installed-$what-$(cat pyproject.toml "$lock" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --require-hashes -r "$lock"
  .venv/bin/python -m pip install -q --no-deps -e ".$extras"
  touch "$stamp"
fi
# The read-aloud audio of the demo config (or $KIOSK_CONFIG's) into assets/speech/: only the
# texts that are new since the last run are spoken (a few seconds the first time).
.venv/bin/kiosk speech-render --config "${KIOSK_CONFIG:-deploy/config.demo.toml}" >/dev/null
