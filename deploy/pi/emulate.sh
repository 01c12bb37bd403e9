#!/usr/bin/env bash
# Run the kiosk on an emulated Raspberry Pi: a Debian 12 arm64 root under qemu-user.
#
#   sudo deploy/pi/emulate.sh [--out DIR] [--cache DIR] [--keep]
#
# Builds (or takes from the cache) a bookworm arm64 root, prepares it with the REAL
# deploy/install-pi.sh --root (as for a card image), then starts the installed release as the
# kiosk user with the unit's environment under Xvfb, waits for READY=1, screenshots the
# welcome screen, taps a category, syncs it to a coordinator on 127.0.0.1 and runs the
# screen tour. Screenshots go to --out (default: screenshots/emulated, not committed).
# The root is cached as a tarball keyed by its inputs under --cache
# (default /var/cache/permanence-kiosk-emu) so a later run on the same machine reuses it.
# Needs root (debootstrap, chroot, mounts) and the checkout's .venv (scripts/setup.sh test).
set -euo pipefail

PROG=emulate
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SUITE=bookworm
# What the installer will apt-get (read from it, so the cached root follows it) plus what
# only the emulation needs: certificates for pip, and nothing else.
EXTRA_PACKAGES=(ca-certificates)

out=$REPO/screenshots/emulated
cache=${PERMANENCE_KIOSK_EMU_CACHE:-/var/cache/permanence-kiosk-emu}
keep=0
work=""
pids=()

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a folder"; out=$2; shift ;;
    --cache) [ $# -ge 2 ] || die "--cache needs a folder"; cache=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, chroot and mounts need it)"
[ -x "$REPO/.venv/bin/python" ] || die "no .venv in $REPO: run scripts/setup.sh test first"
# shellcheck source=SCRIPTDIR/chroot-lib.sh
source "$HERE/chroot-lib.sh"
venv=$REPO/.venv/bin
start=$SECONDS
elapsed() { echo "$((SECONDS - start)) s"; }

host_tools() {
  local missing=() pkg
  for pkg in qemu-user-static debootstrap binfmt-support xdotool zstd; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    # Another apt run on this machine may hold the lock for a while: wait for it.
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null
  fi
  [ -e /proc/sys/fs/binfmt_misc/status ] || mount binfmt_misc -t binfmt_misc /proc/sys/fs/binfmt_misc
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64
  grep -q enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 \
    || die "qemu-aarch64 is not registered with binfmt_misc (update-binfmts --display qemu-aarch64)"
}

# The Debian mirror apt already uses on this machine (it may be a local or proxied one).
host_mirror() {
  local uri
  uri=$(grep -hs -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
    | grep -v -- '-security' | sed -E 's/^URIs: *//; s/^deb +(\[[^]]*\] +)?//; s/ .*//' | head -n 1)
  echo "${uri:-http://deb.debian.org/debian}"
}

installer_packages() {
  sed -n '/^APT_PACKAGES=(/,/)/p' "$REPO/deploy/install-pi.sh" | tr -d '()' \
    | sed 's/APT_PACKAGES=//' | tr -s ' \n' '\n' | grep -v '^$' | sort -u
}

# Everything the cached root is made of; a change in any of them builds a new one.
root_key() {
  { echo "$SUITE arm64 $mirror v1"; installer_packages; printf '%s\n' "${EXTRA_PACKAGES[@]}"; } \
    | sha256sum | cut -c1-16
}

build_root() {  # dir
  local r=$1
  say "debootstrap $SUITE arm64 from $mirror (a few minutes)"
  debootstrap --arch=arm64 --variant=minbase --include="$(IFS=,; echo "${EXTRA_PACKAGES[*]}")" \
    "$SUITE" "$r" "$mirror" > "$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  cat > "$r/etc/apt/sources.list" <<EOF
deb $mirror $SUITE main
deb $mirror $SUITE-updates main
deb ${mirror%/debian}/debian-security $SUITE-security main
EOF
  # dpkg under emulation is the slow part: no fsync per file.
  echo force-unsafe-io > "$r/etc/dpkg/dpkg.cfg.d/90-emulate-unsafe-io"
  # The installer installs these itself; doing it here once puts them in the cached root.
  say "installing the installer's system packages into the root"
  local pkgs
  mapfile -t pkgs < <(installer_packages)
  chroot_enter "$r"
  { chroot_run "$r" apt-get update -qq \
    && chroot_run "$r" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" \
    && chroot_run "$r" apt-get clean; } > "$work/apt.log" 2>&1 \
    || { tail -n 20 "$work/apt.log" >&2; die "apt-get install in the root failed (log above)"; }
  chroot_leave "$r"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A coordinator on the host's loopback (the root shares the host's network), one kiosk.
start_coordinator() {
  local port
  port=$(free_port)
  db=$work/coordinator.db
  KIOSK_COORDINATOR_DATA=$work/coordinator "$venv/kiosk-coordinator" add-kiosk \
    --name emulated-pi --commune Crolles --db "sqlite:///$db" | tail -n 1 > "$work/token"
  KIOSK_COORDINATOR_DATA=$work/coordinator "$venv/kiosk-coordinator" serve \
    --db "sqlite:///$db" --host 127.0.0.1 --port "$port" > "$out/coordinator.log" 2>&1 &
  pids+=($!)
  coordinator_url=http://127.0.0.1:$port
  for _ in $(seq 1 120); do
    curl -fs "$coordinator_url/healthz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "the coordinator did not answer on $coordinator_url (see $out/coordinator.log)"
}

# The kiosk's config: the demo permanence (always open: no hours), this coordinator.
write_config() {
  sed -e 's|^data_dir = .*|data_dir = "/var/lib/permanence-kiosk"|' \
      -e 's|^fullscreen = .*|fullscreen = true|' -e '/^hardware_clock/d' \
      -e "s|^url = \"\"|url = \"$coordinator_url\"|" \
      -e 's|^token_file = ""|token_file = "/etc/permanence-kiosk/token"|' \
      "$REPO/deploy/config.demo.toml" > "$work/config.toml"
}

cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "$work" ] || return 0
  chroot_leave "$work/root"
  if [ "$keep" -eq 0 ]; then rm -rf "$work"; else say "kept $work"; fi
}

host_tools
mirror=$(host_mirror)
key=$(root_key)
tarball=$cache/root-$SUITE-arm64-$key.tar.zst
work=$(mktemp -d /var/tmp/permanence-kiosk-emu.XXXXXX)
trap cleanup EXIT
trap 'exit 143' TERM INT   # a timeout still unmounts and stops what was started
mkdir -p "$cache" "$work/root" "$out"

if [ -f "$tarball" ]; then
  say "reusing the cached root $tarball"
  tar --zstd -xpf "$tarball" -C "$work/root"
else
  build_root "$work/root"
  tar --zstd -cpf "$tarball.tmp" -C "$work/root" .
  mv -f "$tarball.tmp" "$tarball"
  # Roots made for older inputs are never used again.
  find "$cache" -maxdepth 1 -name "root-$SUITE-arm64-*.tar.zst" ! -path "$tarball" -delete
  say "cached the root as $tarball ($(du -h "$tarball" | cut -f1)) after $(elapsed)"
fi
say "root ready after $(elapsed)"
root=$work/root

say "building the release wheel"
"$venv/python" -m pip wheel -q --no-deps -w "$work/dist" "$REPO" > "$work/wheel.log" 2>&1 \
  || { tail -n 20 "$work/wheel.log" >&2; die "could not build the wheel (log above)"; }
wheel=$(ls "$work"/dist/permanence_kiosk-*.whl)
start_coordinator
write_config

# The same command that prepares a card image from a PC.
say "deploy/install-pi.sh --root (apt, user, release from the lock, units) after $(elapsed)"
bash "$REPO/deploy/install-pi.sh" --root "$root" --package "$wheel" --config "$work/config.toml" \
  --token "$work/token" | tee "$out/install-pi.log"
[ -L "$root/etc/systemd/system/multi-user.target.wants/permanence-kiosk.service" ] \
  || die "install-pi.sh --root left the kiosk service disabled"
say "installed and enabled after $(elapsed)"
# As on a Pi, running it again changes nothing.
bash "$REPO/deploy/install-pi.sh" --root "$root" --package "$wheel" --config "$work/config.toml" \
  --token "$work/token" > "$out/install-pi-again.log"
grep -q "nothing changed" "$out/install-pi-again.log" \
  || die "a second install-pi.sh --root changed something: see $out/install-pi-again.log"
say "a second install-pi.sh --root changed nothing ($(elapsed))"

chroot_enter "$root"
mkdir -p /tmp/.X11-unix "$root/tmp/.X11-unix"
chmod 1777 /tmp/.X11-unix
mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix"
mkdir -p "$work/fb"
# The Pi's 7" display: 800x480; -fbdir keeps the screen in a file for the screenshots.
Xvfb -displayfd 3 -screen 0 800x480x24 -fbdir "$work/fb" -nolisten tcp \
  3> "$work/display" > "$work/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do [ -s "$work/display" ] && break; sleep 0.5; done
display=$(head -n 1 "$work/display")
[ -n "$display" ] || die "Xvfb did not start (see $work/xvfb.log)"
say "Xvfb on :$display; starting the kiosk as the service would"
"$venv/python" "$HERE/emulate_run.py" --root "$root" --display ":$display" --fbdir "$work/fb" \
  --db "$db" --tour "$REPO/tests/ui" --out "$out"
say "done after $(elapsed); screenshots in $out"
