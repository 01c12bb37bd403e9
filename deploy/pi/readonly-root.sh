#!/usr/bin/env bash
# Make a kiosk survive power cuts: a read-only root (overlay in RAM) and a small writable
# data partition, mounted noatime on /data, holding the counts and the saved clock.
#
#   sudo readonly-root.sh status              what is on now, and the clock's state
#   sudo readonly-root.sh data DEVICE [--format]
#                                             use DEVICE (e.g. /dev/mmcblk0p3, labelled PKDATA)
#                                             as the data partition; --format erases it first
#   sudo readonly-root.sh enable              turn the read-only root on (then reboot)
#   sudo readonly-root.sh disable             turn it off for an update (then reboot)
#   ... --dry-run                             say what would change
#   ... --root DIR                            edit the files under DIR only (tests, images)
#
# Order: install-pi.sh, then `data`, then `enable`, reboot. See deploy/README.md.
set -euo pipefail

PROG=readonly-root
UNITS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../systemd" && pwd)
LABEL=PKDATA
MOUNT=/data
FSTAB_MARK="# permanence-kiosk data partition (deploy/pi/readonly-root.sh)"

root=""
dry_run=0
format=0
command=""
device=""
changes=0

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
changed() { changes=$((changes + 1)); say "$*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --format) format=1 ;;
    --root)
      if [ $# -lt 2 ] || [ -z "$2" ]; then die "--root needs a directory"; fi
      root=$2; shift ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    status|data|enable|disable)
      [ -z "$command" ] || die "one command at a time (got '$command' and '$1')"
      command=$1 ;;
    /dev/*) device=$1 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
[ -n "$command" ] || die "say what to do: status, data DEVICE, enable or disable (see --help)"
if [ -n "$root" ]; then
  [ -d "$root" ] || die "--root $root is not a directory"
  root=$(cd "$root" && pwd)
fi
if [ "$command" != status ] && [ "$dry_run" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (sudo $0 $command ...)"
fi

system() {
  if [ "$dry_run" -eq 1 ] || [ -n "$root" ]; then say "would run: $*"; else "$@"; fi
}

write_file() {  # dest mode, content on stdin; written only when it differs
  local dest=$root$1 tmp
  tmp=$(mktemp)
  cat > "$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest" && [ "$(stat -c %a "$dest")" = "${2#0}" ]; then
    rm -f "$tmp"; return 0
  fi
  if [ "$dry_run" -eq 1 ]; then rm -f "$tmp"; changed "would write $1"; return 0; fi
  mkdir -p "$(dirname "$dest")"
  chmod "$2" "$tmp"
  mv -f "$tmp" "$dest"
  changed "wrote $1"
}

write_link() {  # target link
  local link=$root$2
  [ -L "$link" ] && [ "$(readlink "$link")" = "$1" ] && return 0
  if [ "$dry_run" -eq 1 ]; then changed "would link $2 -> $1"; return 0; fi
  mkdir -p "$(dirname "$link")"
  rm -f "$link"
  ln -s "$1" "$link"
  changed "linked $2 -> $1"
}

cmdline_path() {
  local c
  for c in /boot/firmware/cmdline.txt /boot/cmdline.txt; do
    [ -f "$root$c" ] && { echo "$c"; return 0; }
  done
  die "no cmdline.txt under $root/boot: is this a Raspberry Pi?"
}

# Rewrite the one-line kernel command line: drop every overlayroot= word, then add $1 first.
set_overlay_word() {
  local path line new word
  path=$(cmdline_path)
  line=$(head -n 1 "$root$path")
  new=""
  for word in $line; do
    case "$word" in overlayroot=*) ;; *) new="$new $word" ;; esac
  done
  new=${1:+$1 }${new# }
  [ "$new" = "$line" ] && return 0
  local boot remounted=0
  boot=$(dirname "$path")
  # enable_bootro leaves the boot partition read-only: open it just for this edit.
  if [ -z "$root" ] && [ "$dry_run" -eq 0 ] && findmnt -n -o OPTIONS "$boot" | grep -qE '(^|,)ro(,|$)'; then
    mount -o remount,rw "$boot" && remounted=1
  fi
  write_file "$path" "$(stat -c %a "$root$path")" <<< "$new"
  [ "$remounted" -eq 0 ] || mount -o remount,ro "$boot"
}

fstab_has_data() {
  [ -f "$root/etc/fstab" ] && grep -qF "$FSTAB_MARK" "$root/etc/fstab"
}

# The data partition on /data; the counts and systemd-timesyncd's clock file bind-mounted
# from it; fake-hwclock's file a link into it. noatime: reading a file writes nothing.
write_fstab() {
  local kept content
  kept=$(awk -v mark="$FSTAB_MARK" '$0 == mark {skip = 1} !skip {print} $0 == "# end permanence-kiosk" {skip = 0}' \
    "$root/etc/fstab" 2>/dev/null || true)
  content=$(
    [ -z "$kept" ] || printf '%s\n' "$kept"
    printf '%s\n' "$FSTAB_MARK" \
      "LABEL=$LABEL $MOUNT ext4 defaults,noatime,nodev,nosuid,noexec 0 2" \
      "$MOUNT/permanence-kiosk /var/lib/permanence-kiosk none bind,x-systemd.requires-mounts-for=$MOUNT 0 0" \
      "$MOUNT/timesync /var/lib/systemd/timesync none bind,x-systemd.requires-mounts-for=$MOUNT 0 0" \
      "# end permanence-kiosk"
  )
  write_file /etc/fstab 0644 <<< "$content"
}

write_clock_files() {
  write_link "$MOUNT/fake-hwclock.data" /etc/fake-hwclock.data
  write_file /etc/systemd/system/fake-hwclock.service.d/data-partition.conf 0644 <<EOF
# The saved clock lives on the data partition ($MOUNT), the only place that survives a
# power cut once the root is read-only: load it only once that partition is mounted.
[Unit]
RequiresMountsFor=$MOUNT
EOF
  local unit
  for unit in permanence-kiosk-clock-save.service permanence-kiosk-clock-save.timer; do
    write_file "/etc/systemd/system/$unit" 0644 < "$UNITS/$unit"
  done
}

do_data() {
  local fstype label
  [ -n "$device" ] || die "give the partition: readonly-root.sh data /dev/mmcblk0p3 (see deploy/README.md)"
  if [ -z "$root" ]; then
    [ -b "$device" ] || die "$device is not a block device"
    [ "$(findmnt -n -o SOURCE /)" != "$device" ] || die "$device is the root partition"
    fstype=$(blkid -o value -s TYPE "$device" || true)
    if [ -n "$fstype" ] && [ "$format" -eq 0 ] && [ "$fstype" != ext4 ]; then
      die "$device holds a $fstype file system; add --format to erase it and make it ext4"
    fi
    if [ -z "$fstype" ] || [ "$format" -eq 1 ]; then
      findmnt -n "$device" >/dev/null && die "$device is mounted; unmount it before --format"
      changed "formatting $device as ext4 ($LABEL)"
      system mkfs.ext4 -q -F -L "$LABEL" -m 1 "$device"
    fi
    label=$(blkid -o value -s LABEL "$device" || true)
    if [ "$label" != "$LABEL" ]; then
      changed "labelling $device $LABEL"
      system e2label "$device" "$LABEL"
    fi
  else
    say "would check, and format if empty or --format: $device as ext4 labelled $LABEL"
  fi
  write_fstab
  write_clock_files
  if [ ! -d "$root$MOUNT" ]; then
    if [ "$dry_run" -eq 1 ]; then changed "would create $MOUNT/"; else mkdir -p "$root$MOUNT"; changed "made $MOUNT/"; fi
  fi
  if [ -n "$root" ] || [ "$dry_run" -eq 1 ]; then
    say "would run: mount $MOUNT; copy /var/lib/permanence-kiosk and /var/lib/systemd/timesync into it; systemctl daemon-reload; mount -a; systemctl enable permanence-kiosk-clock-save.timer"
    return 0
  fi
  # The app must not write its counts while they are being copied.
  systemctl stop permanence-kiosk.service 2>/dev/null || true
  systemctl daemon-reload
  findmnt -n "$MOUNT" >/dev/null || mount "$MOUNT"
  move_into_data /var/lib/permanence-kiosk permanence-kiosk
  move_into_data /var/lib/systemd/timesync timesync
  [ -e "$MOUNT/fake-hwclock.data" ] || fake-hwclock save
  mount -a
  systemctl enable --now --quiet permanence-kiosk-clock-save.timer
  findmnt -n -o OPTIONS /var/lib/permanence-kiosk | grep -q rw || die "/var/lib/permanence-kiosk is not writable after mounting"
  systemctl start permanence-kiosk.service 2>/dev/null || true
  say "data partition ready: $(findmnt -n -o SOURCE,FSTYPE,OPTIONS $MOUNT)"
}

move_into_data() {  # existing dir, name under /data: first time only, keeping owner and modes
  local from=$1 to=$MOUNT/$2
  [ -d "$to" ] && return 0
  if findmnt -n "$from" >/dev/null; then die "$from is already a mount: check /etc/fstab"; fi
  mkdir -p "$from"
  cp -a "$from" "$to"
  changed "copied $from to $to"
}

do_enable() {
  fstab_has_data || die "no data partition yet: run 'readonly-root.sh data DEVICE' first (without it the counts would live in RAM and vanish at every power cut)"
  if [ -z "$root" ] && [ "$dry_run" -eq 0 ]; then
    findmnt -n "$MOUNT" >/dev/null || die "$MOUNT is not mounted: check 'readonly-root.sh status'"
  fi
  system raspi-config nonint enable_overlayfs
  # raspi-config writes overlayroot=tmpfs, which would also put /data in RAM on Bookworm.
  set_overlay_word "overlayroot=tmpfs:recurse=0"
  system raspi-config nonint enable_bootro
  if [ "$changes" -gt 0 ]; then say "read-only root configured; reboot to start it: sudo reboot"; fi
}

do_disable() {
  system raspi-config nonint disable_overlayfs
  set_overlay_word ""
  if [ "$changes" -gt 0 ]; then say "read-only root off from the next boot: reboot, update, then 'enable' again"; fi
}

do_status() {
  local r=$root
  if [ "$(findmnt -n -o FSTYPE /)" = overlay ]; then say "root: read-only (overlay in RAM)"; else say "root: writable"; fi
  if grep -qs "overlayroot=tmpfs" "$r$(cmdline_path)"; then say "next boot: read-only root"; else say "next boot: writable root"; fi
  if findmnt -n "$MOUNT" >/dev/null; then say "data: $(findmnt -n -o SOURCE,FSTYPE,OPTIONS "$MOUNT")"; else say "data: $MOUNT not mounted"; fi
  if [ -e /run/systemd/timesync/synchronized ]; then say "clock: synchronised ($(date -R))"; else say "clock: NOT synchronised yet ($(date -R)); taps wait for a trusted date"; fi
}

case "$command" in
  status) do_status ;;
  data) do_data ;;
  enable) do_enable ;;
  disable) do_disable ;;
esac
[ "$changes" -gt 0 ] || [ "$command" = status ] || say "nothing changed"
