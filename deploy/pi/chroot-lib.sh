# shellcheck shell=bash
# Running commands inside a root that is not booted (a card image's root partition, the
# emulated Pi): sourced by install-pi.sh --root and deploy/pi/emulate.sh.
#
# A foreign root (arm64 on a PC) runs through qemu-user: binfmt_misc with the F flag
# (qemu-user-static), so nothing has to be copied into the root.

# Mount what programs in the root expect; /proc/sys and /sys read-only so that nothing run
# there can change the host's kernel settings.
chroot_mount() {  # root
  local r=$1
  chroot_umount "$r"
  mkdir -p "$r/proc" "$r/sys" "$r/dev" "$r/run"
  mount -t proc proc "$r/proc"
  mount --bind "$r/proc/sys" "$r/proc/sys"
  mount -o remount,bind,ro "$r/proc/sys"
  mount -t sysfs -o ro sysfs "$r/sys"
  mount --bind /dev "$r/dev"
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"
  mount -t tmpfs tmpfs "$r/dev/shm"
  mount -t tmpfs -o mode=0755 tmpfs "$r/run"
}

chroot_umount() {  # root: everything mounted under it, deepest first
  local r=$1 m
  while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(awk -v r="$r/" 'index($2 "/", r) == 1 { print $2 }' /proc/self/mounts | sort -r)
}

# The host's package access settings, for the length of one command: proxy variables and
# pip's index settings (never a local file:// index, which the root cannot see).
chroot_host_env() {
  local name
  for name in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY \
              PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_PROXY PIP_TRUSTED_HOST PIP_DEFAULT_TIMEOUT; do
    case "${!name:-}" in ''|file:*) ;; *) printf '%s=%s\n' "$name" "${!name}" ;; esac
  done
}

# Copy the host's CA bundle (it may hold a proxy's own authority) and apt proxy settings
# into the root's /run, a tmpfs: they are used during the install and never land in the image.
chroot_host_access() {  # root; prints the env assignments that point at them
  local r=$1 bundle=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
  mkdir -p "$r/run/host-access"
  if [ -f "$bundle" ]; then
    cp "$bundle" "$r/run/host-access/ca.crt"
    printf '%s\n' PIP_CERT=/run/host-access/ca.crt SSL_CERT_FILE=/run/host-access/ca.crt \
      REQUESTS_CA_BUNDLE=/run/host-access/ca.crt
  fi
  apt-config dump 2>/dev/null | grep -Ei '^Acquire::https?::Proxy ' | sed 's/$/;/' \
    > "$r/run/host-access/apt.conf" || true
  echo APT_CONFIG=/run/host-access/apt.conf
  [ ! -f /etc/resolv.conf ] || cp -L /etc/resolv.conf "$r/run/host-access/resolv.conf"
}

chroot_run() {  # root command...: a clean environment (host settings like PIP_FIND_LINKS stay out)
  local r=$1; shift
  local extra=()
  mapfile -t extra < <(chroot_host_env; [ ! -f "$r/run/host-access/env" ] || cat "$r/run/host-access/env")
  chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "${extra[@]}" "$@"
}

# Enter a root for installing: mounts, host access, no service started by a package
# (policy-rc.d), the host's resolver. chroot_leave undoes all of it.
chroot_enter() {  # root
  local r=$1
  chroot_mount "$r"
  mkdir -p "$r/run/host-access"
  chroot_host_access "$r" > "$r/run/host-access/env.tmp"
  mv "$r/run/host-access/env.tmp" "$r/run/host-access/env"
  if [ ! -e "$r/usr/sbin/policy-rc.d" ]; then
    printf '#!/bin/sh\n# written by install-pi.sh for a chroot; removed after it\nexit 101\n' \
      > "$r/usr/sbin/policy-rc.d"
    chmod 0755 "$r/usr/sbin/policy-rc.d"
  fi
  if [ -f "$r/run/host-access/resolv.conf" ] && [ ! -e "$r/etc/resolv.conf.before-chroot" ]; then
    if [ -e "$r/etc/resolv.conf" ] || [ -L "$r/etc/resolv.conf" ]; then
      mv "$r/etc/resolv.conf" "$r/etc/resolv.conf.before-chroot"
    else
      touch "$r/etc/resolv.conf.before-chroot.none"
    fi
    cp "$r/run/host-access/resolv.conf" "$r/etc/resolv.conf"
  fi
}

chroot_leave() {  # root
  local r=$1
  if grep -q "written by install-pi.sh" "$r/usr/sbin/policy-rc.d" 2>/dev/null; then
    rm -f "$r/usr/sbin/policy-rc.d"
  fi
  if [ -e "$r/etc/resolv.conf.before-chroot" ] || [ -L "$r/etc/resolv.conf.before-chroot" ]; then
    mv -f "$r/etc/resolv.conf.before-chroot" "$r/etc/resolv.conf"
  elif [ -e "$r/etc/resolv.conf.before-chroot.none" ]; then
    rm -f "$r/etc/resolv.conf" "$r/etc/resolv.conf.before-chroot.none"
  fi
  chroot_umount "$r"
}

# install-pi.sh --root DIR (not --files-only): copy the installer, its lock, the package,
# config and token into DIR and run the same script there, as on the Pi, but --not-booted.
# Uses install-pi.sh's options and helpers (say, die), so it is sourced by it.
# shellcheck disable=SC2154
run_in_root() {
  local stage inner=() rc=0 item
  [ "$files_only" -eq 0 ] && [ "$dry_run" -eq 0 ] && [ -n "$root" ] || return 0
  { [ -x "$root/usr/bin/dpkg" ] && [ -x "$root/bin/bash" ]; } \
    || die "--root $root is not a Debian/Raspberry Pi OS root (no usr/bin/dpkg); add --files-only to only write the files"
  chroot "$root" /bin/true 2>/dev/null \
    || die "cannot run the programs of $root here: for an arm64 root on a PC, apt-get install qemu-user-static binfmt-support"
  [ -f "$LOCK" ] || die "$LOCK is missing: the installer needs its requirements/ folder"
  stage=$(mktemp -d "$root/var/tmp/permanence-kiosk-installer.XXXXXX")
  trap 'chroot_leave "$root"; rm -rf "$stage"' EXIT
  mkdir -p "$stage/requirements"
  cp -r "$HERE" "$stage/deploy"
  cp "$LOCK" "$stage/requirements/"
  inner=(--not-booted --user "$kiosk_user" --display "$display" --rotation "$rotation")
  if [ "$rollback" -eq 1 ]; then
    inner+=(--rollback)
  else
    local src=${package:-$REPO}
    if [ -d "$src" ]; then
      mkdir "$stage/source"
      for item in pyproject.toml README.md setup.py kiosk screens sync assets; do
        [ ! -e "$src/$item" ] || cp -r "$src/$item" "$stage/source/"
      done
      find "$stage/source" -name __pycache__ -prune -exec rm -rf {} +
      inner+=(--package "${stage#"$root"}/source")
    else
      cp "$src" "$stage/"
      inner+=(--package "${stage#"$root"}/$(basename "$src")")
    fi
  fi
  [ -z "$config_src" ] || { cp "$config_src" "$stage/config.toml"; inner+=(--config "${stage#"$root"}/config.toml"); }
  [ -z "$token_src" ] || { cp "$token_src" "$stage/token"; inner+=(--token "${stage#"$root"}/token"); }
  say "running the installer inside $root (chroot$(chroot_arch_note))"
  chroot_enter "$root"
  chroot_run "$root" /bin/bash "${stage#"$root"}/deploy/install-pi.sh" "${inner[@]}" || rc=$?
  exit "$rc"
}

chroot_arch_note() {
  local arch
  arch=$(chroot "$root" /usr/bin/dpkg --print-architecture 2>/dev/null || echo unknown)
  [ "$arch" = "$(dpkg --print-architecture 2>/dev/null)" ] && return 0
  echo ", $arch under emulation: slow"
}
