#!/usr/bin/env bash
# Make room for the kiosk's data partition on a freshly flashed SD card, on a Linux computer,
# BEFORE the card's first boot in the Pi:
#
#   sudo deploy/pi/prepare-card.sh /dev/sdX [--data-size-mib 1024] [--yes]
#
# It grows the system partition (rootfs) to the whole card but DATA MiB, and makes the last
# DATA MiB an ext4 partition labelled PKDATA. Because rootfs is then no longer the last
# partition, the Pi's first boot leaves the layout alone. After installing the kiosk:
# `sudo deploy/pi/readonly-root.sh data /dev/mmcblk0p3`. Needs: parted, e2fsprogs.
set -euo pipefail

PROG=prepare-card
data_mib=1024
yes=0
disk=""

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --data-size-mib)
      if [ $# -lt 2 ]; then die "--data-size-mib needs a number"; fi
      data_mib=$2; shift ;;
    --yes) yes=1 ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    /dev/*) disk=$1 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

[ -n "$disk" ] || die "give the card's device, e.g. /dev/sdb (see lsblk)"
case "$data_mib" in ''|*[!0-9]*) die "--data-size-mib must be a whole number, not '$data_mib'" ;; esac
[ "$data_mib" -ge 256 ] || die "--data-size-mib must be at least 256"
[ -b "$disk" ] || die "$disk is not a block device (see lsblk)"
[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0 $disk)"
for tool in parted e2fsck resize2fs mkfs.ext4 blkid partprobe; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install parted e2fsprogs)"
done

case "$disk" in
  *[0-9]) part() { echo "${disk}p$1"; } ;;   # /dev/mmcblk0 -> /dev/mmcblk0p2
  *) part() { echo "${disk}$1"; } ;;          # /dev/sdb -> /dev/sdb2
esac
boot=$(part 1)
rootfs=$(part 2)

# Refuse anything but an untouched Raspberry Pi OS card: bootfs + rootfs, nothing after.
[ "$(blkid -o value -s LABEL "$boot" 2>/dev/null)" = bootfs ] || die "$boot is not labelled bootfs: not a Raspberry Pi OS card"
[ "$(blkid -o value -s LABEL "$rootfs" 2>/dev/null)" = rootfs ] || die "$rootfs is not labelled rootfs: not a Raspberry Pi OS card"
[ ! -b "$(part 3)" ] || die "$disk already has a third partition: nothing to do"
if lsblk -n -o MOUNTPOINT "$disk" | grep -q .; then
  die "a partition of $disk is mounted; unmount it first (umount ${disk}*)"
fi

sectors=$(blockdev --getsz "$disk")
data_sectors=$((data_mib * 2048))
data_start=$(( (sectors - data_sectors) / 8192 * 8192 ))   # 4 MiB aligned
root_end=$((data_start - 1))
[ "$data_start" -gt $((8 * 1024 * 2048)) ] || die "$disk is too small: keep at least 8 GiB for the system"

say "$disk: $((sectors / 2048)) MiB; system partition up to $((data_start / 2048)) MiB, data partition $((data_mib)) MiB (PKDATA)"
if [ "$yes" -eq 0 ]; then
  read -r -p "$PROG: this changes the partitions of $disk; type yes to go on: " answer
  [ "$answer" = yes ] || die "stopped; nothing was changed"
fi

parted -s "$disk" unit s resizepart 2 "$root_end"
e2fsck -f -p "$rootfs" || [ $? -le 1 ] || die "e2fsck found errors on $rootfs"
resize2fs "$rootfs" >/dev/null
parted -s "$disk" unit s mkpart primary ext4 "$data_start" 100%
partprobe "$disk" || true
udevadm settle 2>/dev/null || sleep 2
mkfs.ext4 -q -F -L PKDATA -m 1 "$(part 3)"
say "done: $(part 3) is PKDATA. Put the card in the Pi and boot it."
