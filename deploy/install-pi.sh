#!/usr/bin/env bash
# Install, update or roll back the permanence kiosk on Raspberry Pi OS Bookworm Lite 64-bit.
#
#   sudo deploy/install-pi.sh [--package FILE|DIR] [--config FILE] [--token FILE]
#                             [--display 800x480|720x1280] [--rotation 0|90|180|270]
#   sudo deploy/install-pi.sh --rollback      back to the release installed before
#   deploy/install-pi.sh --dry-run ...        say what would change, change nothing
#   sudo deploy/install-pi.sh --root DIR ...  prepare a Pi's root partition mounted at DIR
#                                             (a card image, from a PC): the same steps run
#                                             inside it (chroot; qemu-user for arm64), the
#                                             service is enabled, nothing is started
#   deploy/install-pi.sh --root DIR --files-only ...   write only the files into DIR (tests);
#                                             apt, useradd, venv and systemctl are printed
#   --not-booted     for a root that is not running (chroot, image): enable, never start;
#                    sysctl settings apply at the next boot (chosen by itself when systemd
#                    is not running)
#
# Running it twice changes nothing the second time. See deploy/README.md.
set -euo pipefail

PROG=install-pi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")

PREFIX=/opt/permanence-kiosk
ETC=/etc/permanence-kiosk
DATA=/var/lib/permanence-kiosk
UNIT=permanence-kiosk.service
LOCK=$REPO/requirements/kiosk.txt   # scripts/lock: every package pinned with its hashes
# espeak-ng and vorbis-tools render the read-aloud audio at install time; alsa-utils gives
# `aplay -l` to find the speaker's card for [kiosk] audio_output (docs/accessibility.md).
APT_PACKAGES=(python3 python3-venv procps libgl1 libgl1-mesa-dri libegl1 libgles2 libgbm1 libdrm2
  libmtdev1 fake-hwclock systemd-timesyncd espeak-ng vorbis-tools alsa-utils)
KEEP_RELEASES=3

root=""
files_only=0
booted=1
[ -d /run/systemd/system ] || booted=0
dry_run=0
package=""
config_src=""
token_src=""
kiosk_user=kiosk
display=800x480
rotation=""
rollback=0
changes=0

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
changed() { changes=$((changes + 1)); say "$*"; }

usage() {
  sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

need_value() {
  if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value (see --help)"; fi
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --root) need_value "$@"; root=$2; shift ;;
    --files-only) files_only=1 ;;
    --not-booted) booted=0 ;;
    --package) need_value "$@"; package=$2; shift ;;
    --config) need_value "$@"; config_src=$2; shift ;;
    --token) need_value "$@"; token_src=$2; shift ;;
    --user) need_value "$@"; kiosk_user=$2; shift ;;
    --display) need_value "$@"; display=$2; shift ;;
    --rotation) need_value "$@"; rotation=$2; shift ;;
    --rollback) rollback=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done

case "$display" in
  800x480) default_rotation=0 ;;
  # Touch Display 2 is a portrait panel: turn it to landscape for the kiosk's layout.
  720x1280) default_rotation=90 ;;
  *) die "--display must be 800x480 (7\" display) or 720x1280 (Touch Display 2), not '$display'" ;;
esac
rotation=${rotation:-$default_rotation}
case "$rotation" in 0|90|180|270) ;; *) die "--rotation must be 0, 90, 180 or 270, not '$rotation'" ;; esac

if [ -n "$root" ]; then
  [ -d "$root" ] || die "--root $root is not a directory"
  root=$(cd "$root" && pwd)
  [ "$root" != / ] || root=""
fi
if [ "$dry_run" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (sudo $0 ...), or add --dry-run to see what would change"
fi
for f in "$config_src" "$token_src"; do
  [ -z "$f" ] || [ -f "$f" ] || die "$f: no such file"
done
# A token is >= 128 random bits: at least 22 characters, alone on its line.
if [ -n "$token_src" ]; then
  [ "$(tr -d '[:space:]' < "$token_src" | wc -c)" -ge 22 ] \
    || die "$token_src does not hold a token (kiosk-coordinator add-kiosk prints one)"
  [ "$(grep -c . "$token_src")" -eq 1 ] || die "$token_src must hold the token alone on one line"
fi

# --root DIR (not --files-only): the same steps, run inside DIR (see deploy/pi/chroot-lib.sh).
# shellcheck source=SCRIPTDIR/pi/chroot-lib.sh
source "$HERE/pi/chroot-lib.sh"
[ -z "$root" ] || [ "$dry_run" -eq 0 ] || files_only=1
run_in_root

# systemctl in a root that is not running edits the unit links only; never starts anything.
if [ "$booted" -eq 0 ]; then
  systemctl() { SYSTEMD_OFFLINE=1 command systemctl "$@"; }
fi

# System commands (apt, useradd, systemctl, pip) run only on a real install.
system() {
  if [ "$dry_run" -eq 1 ] || [ -n "$root" ]; then
    say "would run: $*"
  else
    "$@"
  fi
}

# --- files: each helper writes only when content, mode or owner differ --------------------

same_meta() {  # path mode owner group
  [ "$(stat -c '%a %U %G' "$1")" = "${2#0} $3 $4" ]
}

put_file() {  # src dest mode owner group
  local src=$1 dest=$root$2 mode=$3 owner=$4 group=$5
  if [ -f "$dest" ] && [ ! -L "$dest" ] && cmp -s "$src" "$dest" && same_meta "$dest" "$mode" "$owner" "$group"; then
    return 0
  fi
  if [ "$dry_run" -eq 1 ]; then changed "would write $2 ($mode $owner:$group)"; return 0; fi
  mkdir -p "$(dirname "$dest")"
  local tmp
  tmp=$(mktemp "$dest.XXXXXX")
  install -m "$mode" -o "$owner" -g "$group" "$src" "$tmp"
  mv -f "$tmp" "$dest"
  changed "wrote $2 ($mode $owner:$group)"
}

put_text() {  # dest mode owner group, content on stdin
  local tmp
  tmp=$(mktemp)
  cat > "$tmp"
  put_file "$tmp" "$@"
  rm -f "$tmp"
}

put_dir() {  # dest mode owner group
  local dest=$root$1
  if [ -d "$dest" ] && same_meta "$dest" "$2" "$3" "$4"; then return 0; fi
  if [ "$dry_run" -eq 1 ]; then changed "would create $1/ ($2 $3:$4)"; return 0; fi
  install -d -m "$2" -o "$3" -g "$4" "$dest"
  changed "made $1/ ($2 $3:$4)"
}

fix_meta() {  # dest mode owner group: keep the content, correct mode and owner
  local dest=$root$1
  same_meta "$dest" "$2" "$3" "$4" && return 0
  if [ "$dry_run" -eq 1 ]; then changed "would set $1 to $2 $3:$4"; return 0; fi
  chown "$3:$4" "$dest"
  chmod "$2" "$dest"
  changed "set $1 to $2 $3:$4"
}

put_link() {  # target link (both absolute in the installed system)
  local link=$root$2
  [ -L "$link" ] && [ "$(readlink "$link")" = "$1" ] && return 0
  if [ "$dry_run" -eq 1 ]; then changed "would link $2 -> $1"; return 0; fi
  ln -sfn "$1" "$link.tmp"
  mv -Tf "$link.tmp" "$link"
  changed "linked $2 -> $1"
}

# --- steps ---------------------------------------------------------------------------------

install_apt_packages() {
  local missing=() pkg
  if [ -n "$root" ]; then
    system apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"
    return 0
  fi
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  changed "installing system packages: ${missing[*]}"
  system apt-get update -qq
  DEBIAN_FRONTEND=noninteractive system apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_user() {
  local group
  if ! id "$kiosk_user" >/dev/null 2>&1; then
    [ -z "$root" ] || die "user '$kiosk_user' does not exist on this machine; with --root give --user <an existing account>"
    changed "creating the system user $kiosk_user"
    system useradd --system --user-group --home-dir "$DATA" --no-create-home \
      --shell /usr/sbin/nologin "$kiosk_user"
  fi
  # render and input come with udev rules on Pi OS, but a minimal Debian root lacks them;
  # audio opens the sound card (HDMI, jack or USB speaker) for the read-aloud voice.
  for group in video render input audio; do
    if [ -z "$root" ] && ! getent group "$group" >/dev/null; then
      changed "creating the group $group"
      system groupadd --system "$group"
    fi
    if [ -n "$root" ] || ! id -nG "$kiosk_user" 2>/dev/null | tr ' ' '\n' | grep -qx "$group"; then
      [ -n "$root" ] || changed "adding $kiosk_user to group $group"
      system usermod -a -G "$group" "$kiosk_user"
    fi
  done
}

kiosk_group() {
  if id "$kiosk_user" >/dev/null 2>&1; then id -gn "$kiosk_user"; else echo "$kiosk_user"; fi
}

# A release is named after the package's version and content, so the same package installs
# once and a new one gets its own directory next to the old one (which stays for --rollback).
release_id() {
  local src=$1 digest version
  if [ -d "$src" ]; then
    [ -f "$src/pyproject.toml" ] || die "$src has no pyproject.toml: not the project's source folder"
    version=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$src/pyproject.toml" | head -n 1)
    # assets/speech/ is audio rendered in that checkout, not part of the release.
    digest=$(cd "$src" && find kiosk screens sync assets pyproject.toml -type f \
      ! -name '*.pyc' ! -path '*/__pycache__/*' ! -path 'assets/speech/*' -print0 2>/dev/null | sort -z \
      | xargs -0 sha256sum | sha256sum | cut -c1-12)
  else
    version=$(basename "$src" | sed -n 's/^permanence[-_]kiosk-\([0-9][^-]*\)\(-\|\.tar\).*/\1/p')
    digest=$(sha256sum "$src" | cut -c1-12)
  fi
  [ -n "$version" ] || die "cannot read a version from $src (expected a permanence_kiosk wheel, sdist or source folder)"
  echo "$version-$digest"
}

install_release() {
  local src=${package:-$REPO} id rel
  [ -e "$src" ] || die "--package $src: no such file or folder"
  src=$(cd "$(dirname "$src")" && pwd)/$(basename "$src")
  case "$src" in
    *.whl|*.tar.gz|*.zip) [ -f "$src" ] || die "$src is not a file" ;;
    *) [ -d "$src" ] || die "--package must be a .whl, a .tar.gz sdist or a source folder: $src" ;;
  esac
  id=$(release_id "$src")
  rel=$PREFIX/releases/$id
  put_dir "$PREFIX" 0755 root root
  put_dir "$PREFIX/releases" 0755 root root
  if [ -f "$root$rel/.complete" ]; then
    :
  elif [ -n "$root" ] || [ "$dry_run" -eq 1 ]; then
    say "would build $rel: python3 -m venv, pip install --require-hashes -r ${LOCK#"$REPO"/}, then $src --no-deps (kiosk only, no coordinator extras)"
    return 0
  else
    changed "installing release $id from $src (this takes a few minutes on a Pi)"
    rm -rf "$rel"
    python3 -m venv "$rel"
    [ -f "$LOCK" ] || { rm -rf "$rel"; die "$LOCK is missing: the installer needs its requirements/ folder"; }
    # The locked versions with their hashes, then the kiosk alone: a Pi set up a month later
    # runs the very packages the tests passed with.
    { "$rel/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check \
        --require-hashes -r "$LOCK" \
      && "$rel/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check --no-deps "$src" \
      && "$rel/bin/pip" check --disable-pip-version-check >/dev/null; } \
      || { rm -rf "$rel"; die "pip could not install $src with ${LOCK#"$REPO"/} (network? disk space? a package newer than its lock?); nothing was switched"; }
    touch "$rel/.complete"
  fi
  switch_to "$rel"
}

switch_to() {  # make $1 the current release, the old one the previous
  local rel=$1 current
  current=$(readlink "$root$PREFIX/current" 2>/dev/null || true)
  [ "$current" = "$rel" ] && return 0
  [ -z "$current" ] || put_link "$current" "$PREFIX/previous"
  put_link "$rel" "$PREFIX/current"
  restart_needed=1
  prune_releases
}

prune_releases() {
  local keep current previous old
  [ "$dry_run" -eq 0 ] || return 0
  current=$(readlink "$root$PREFIX/current" 2>/dev/null || true)
  previous=$(readlink "$root$PREFIX/previous" 2>/dev/null || true)
  keep=0
  # Newest first; the current and previous releases are never removed.
  while IFS= read -r old; do
    [ -n "$old" ] || continue
    keep=$((keep + 1))
    if [ "$keep" -gt "$KEEP_RELEASES" ] && [ "$PREFIX/releases/$old" != "$current" ] \
       && [ "$PREFIX/releases/$old" != "$previous" ]; then
      rm -rf "${root:?}$PREFIX/releases/$old"
      changed "removed old release $old"
    fi
  done < <(ls -1t "$root$PREFIX/releases" 2>/dev/null)
}

do_rollback() {
  local current previous
  current=$(readlink "$root$PREFIX/current" 2>/dev/null || true)
  previous=$(readlink "$root$PREFIX/previous" 2>/dev/null || true)
  [ -n "$previous" ] || die "no previous release to go back to under $PREFIX"
  [ -f "$root$previous/.complete" ] || die "the previous release $previous is incomplete; reinstall with --package"
  say "rolling back from ${current##*/} to ${previous##*/}"
  put_link "$previous" "$PREFIX/current"
  [ -z "$current" ] || put_link "$current" "$PREFIX/previous"
  [ "$booted" -eq 1 ] || [ -n "$root" ] || return 0
  system systemctl restart "$UNIT"
}

install_config() {
  local group=$1 dest=$ETC/config.toml
  put_dir "$ETC" 0750 root "$group"
  if [ -n "$config_src" ]; then
    put_file "$config_src" "$dest" 0640 root "$group"
  elif [ -f "$root$dest" ]; then
    fix_meta "$dest" 0640 root "$group"   # the administrator's edits are kept
  else
    put_file "$HERE/config.example.toml" "$dest" 0640 root "$group"
    say "edit $dest: the permanence's name, commune, hours and the coordinator's url"
  fi
}

install_token() {
  local group=$1 dest=$ETC/token
  if [ -n "$token_src" ]; then
    put_file "$token_src" "$dest" 0600 "$kiosk_user" "$group"
  elif [ -f "$root$dest" ]; then
    fix_meta "$dest" 0600 "$kiosk_user" "$group"
  else
    put_text "$dest" 0600 "$kiosk_user" "$group" < /dev/null
    say "no token yet: put this kiosk's token in $dest (or rerun with --token FILE)"
  fi
}

install_units() {
  put_file "$HERE/systemd/$UNIT" "/etc/systemd/system/$UNIT" 0644 root root
  put_file "$HERE/README.md" "$PREFIX/README.md" 0644 root root   # the unit's Documentation=
  put_dir "/etc/systemd/system/$UNIT.d" 0755 root root
  put_text "/etc/systemd/system/$UNIT.d/display.conf" 0644 root root <<EOF
# Written by install-pi.sh --display $display --rotation $rotation.
# Kivy turns the picture and the touches together; 0 keeps the panel's own orientation.
[Service]
Environment=KCFG_GRAPHICS_ROTATION=$rotation
EOF
}

# Kiosk lock-down: no login prompt on the screen, no Ctrl-Alt-Del reboot, no SysRq keys,
# no console blanking or blinking cursor, logs kept in RAM.
install_hardening() {
  put_file "$HERE/pi/90-permanence-kiosk-sysctl.conf" /etc/sysctl.d/90-permanence-kiosk.conf 0644 root root
  put_dir /etc/systemd/journald.conf.d 0755 root root
  put_file "$HERE/pi/90-permanence-kiosk-journald.conf" /etc/systemd/journald.conf.d/90-permanence-kiosk.conf 0644 root root
  put_dir /etc/systemd/logind.conf.d 0755 root root
  put_file "$HERE/pi/90-permanence-kiosk-logind.conf" /etc/systemd/logind.conf.d/90-permanence-kiosk.conf 0644 root root
  edit_cmdline
}

cmdline_path() {
  local c
  for c in /boot/firmware/cmdline.txt /boot/cmdline.txt; do
    [ -f "$root$c" ] && { echo "$c"; return 0; }
  done
  return 1
}

# The kernel command line is one line; add only the words that are missing.
edit_cmdline() {
  local path line word new
  path=$(cmdline_path) || { say "no cmdline.txt under /boot (not a Raspberry Pi?): console settings skipped"; return 0; }
  line=$(head -n 1 "$root$path")
  new=$line
  for word in consoleblank=0 vt.global_cursor_default=0 logo.nologo; do
    case " $new " in *" $word "*) ;; *) new="$new $word" ;; esac
  done
  [ "$new" = "$line" ] && return 0
  put_text "$path" "$(stat -c %a "$root$path")" \
    "$(stat -c %U "$root$path")" "$(stat -c %G "$root$path")" <<< "$new"
  reboot_needed=1
}

enable_services() {
  local unit
  if [ -n "$root" ] || [ "$dry_run" -eq 1 ]; then
    [ "$booted" -eq 0 ] || system systemctl daemon-reload
    system systemctl mask getty@tty1.service ctrl-alt-del.target
    system systemctl enable "$UNIT"
    if [ "$booted" -eq 1 ]; then
      system systemctl enable --now systemd-timesyncd.service fake-hwclock.service
      system sysctl --system
    else
      system systemctl enable systemd-timesyncd.service fake-hwclock.service
      say "not booted: nothing is started; the sysctl settings apply at the next boot"
    fi
    return 0
  fi
  [ "$booted" -eq 0 ] || systemctl daemon-reload
  for unit in getty@tty1.service ctrl-alt-del.target; do
    [ "$(systemctl is-enabled "$unit" 2>/dev/null || true)" = masked ] && continue
    systemctl mask --quiet "$unit"
    changed "masked $unit"
  done
  for unit in "$UNIT" systemd-timesyncd.service fake-hwclock.service; do
    systemctl is-enabled --quiet "$unit" 2>/dev/null && continue
    systemctl enable --quiet "$unit"
    changed "enabled $unit"
  done
  # Kernel keys of a root that is not running are the host's: they apply at its boot.
  [ "$booted" -eq 1 ] || return 0
  [ "$(sysctl -n kernel.sysrq)" = 0 ] || { sysctl --quiet --system; changed "SysRq keys disabled"; }
}

# The read-aloud audio of this release and this config (kiosk/speech.py): only what is new
# is spoken, so a second run changes nothing. Without it the kiosk works, silent.
render_speech() {
  local out
  if [ -n "$root" ] || [ "$dry_run" -eq 1 ]; then
    say "would run: $PREFIX/current/bin/kiosk speech-render --config $ETC/config.toml"
    return 0
  fi
  if ! out=$("$PREFIX/current/bin/kiosk" speech-render --config "$ETC/config.toml" 2>&1); then
    say "warning: the read-aloud audio could not be made (${out##*$'\n'}); the kiosk stays silent"
    return 0
  fi
  case "$out" in
    "speech: 0 rendered, "*", 0 removed"*) ;;
    *) changed "read-aloud audio: ${out%%$'\n'*}"; restart_needed=1 ;;
  esac
}

check_config() {
  [ -z "$root" ] && [ "$dry_run" -eq 0 ] || return 0
  "$PREFIX/current/bin/python" -c 'import sys
from kiosk.config import ConfigError, load
try:
    load(sys.argv[1])
except ConfigError as exc:
    sys.exit(f"config: {exc}")' "$ETC/config.toml" || die "fix $ETC/config.toml, then run this again"
}

restart_needed=0
reboot_needed=0

if [ "$rollback" -eq 1 ]; then
  do_rollback
  exit 0
fi

[ "$dry_run" -eq 0 ] || say "dry run: nothing will be changed"
[ -z "$root" ] || say "writing the files into $root (system commands are only printed)"
[ "$booted" -eq 1 ] || [ -n "$root" ] || say "not booted: services are enabled for the next boot, none is started"
install_apt_packages
ensure_user
group=$(kiosk_group)
install_release
install_config "$group"
install_token "$group"
put_dir "$DATA" 0750 "$kiosk_user" "$group"
install_units
install_hardening
enable_services
check_config
render_speech

if [ "$changes" -eq 0 ]; then
  say "everything already up to date; nothing changed"
  exit 0
fi
if [ "$dry_run" -eq 1 ]; then
  say "dry run: $changes change(s) would be made; run again without --dry-run to make them"
  exit 0
fi
if [ "$booted" -eq 0 ] && [ -z "$root" ]; then
  say "done ($changes change(s)); the kiosk app starts at the next boot"
elif [ -z "$root" ] || [ "$restart_needed" -eq 1 ]; then
  system systemctl restart "$UNIT"
  say "done ($changes change(s)); the kiosk app was (re)started"
else
  say "done ($changes change(s))"
fi
[ "$reboot_needed" -eq 0 ] || say "reboot once to apply the console settings: sudo reboot"
