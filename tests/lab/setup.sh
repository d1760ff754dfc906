#!/bin/bash
# Prepares the kernel lab on a Debian 12 host, from nothing:
#   - installs the host packages the lab and its scenarios use,
#   - downloads Debian's amd64 kernel package and unpacks it into the cache
#     (the machine's own kernel lacks esp4, L2TP and PPP; Debian's has them),
#   - downloads Libreswan's package (and the libraries it needs that the host
#     lacks) and unpacks it into the cache: it conflicts with strongSwan's,
#   - builds the busybox initramfs that mounts the host's root over 9p.
# Idempotent: a second run only checks stamps and returns in well under a second.
#
# Environment: LAB_CACHE (default /var/cache/appliance-lab), LAB_KERNEL_PKG
# (e.g. linux-image-6.1.0-56-amd64; default: what linux-image-amd64 depends on).
set -euo pipefail

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

APT_UPDATED=0
# Temporary directories of this run, removed on exit whatever happens.
CLEANUP=()
trap 'rm -rf "${CLEANUP[@]}"' EXIT

need_root() {
    if [[ $EUID -ne 0 ]]; then
        lab_host_log "setup needs root for: $*"
        exit 1
    fi
}

# apt-get with a wait on the dpkg lock: other installs may run in the
# background on this machine, and failing on a held lock would be flaky.
apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=900 "$@"
}

# "apt-get update once if needed": only when something has to come from the
# archive, and never twice in one run.
apt_update_once() {
    if [[ $APT_UPDATED -eq 0 ]]; then
        lab_host_log "apt-get update"
        apt_get update >/dev/null
        APT_UPDATED=1
    fi
}

install_packages() {
    local missing=() p
    for p in "${LAB_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    need_root "apt-get install ${missing[*]}"
    lab_host_log "installing ${missing[*]}"
    # Lists may be absent or stale on a fresh machine: update first in that case.
    if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
        apt_update_once
    fi
    # Recommends are not needed (qemu would pull in a GUI stack otherwise).
    if ! apt_get install -y --no-install-recommends "${missing[@]}"; then
        [[ $APT_UPDATED -eq 0 ]] || return 1
        apt_update_once
        apt_get install -y --no-install-recommends "${missing[@]}"
    fi
}

# Which kernel package to use: pinned by LAB_KERNEL_PKG, or the ABI that the
# linux-image-amd64 meta-package currently points at.
pick_kernel_package() {
    if [[ -n "${LAB_KERNEL_PKG:-}" ]]; then
        echo "$LAB_KERNEL_PKG"
        return
    fi
    local pkg
    pkg="$(apt-cache depends linux-image-amd64 2>/dev/null \
        | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)"
    if [[ -z "$pkg" ]]; then
        apt_update_once
        pkg="$(apt-cache depends linux-image-amd64 \
            | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)"
    fi
    [[ -n "$pkg" ]] || { lab_host_log "cannot find a linux-image-*-amd64 package"; return 1; }
    echo "$pkg"
}

# Downloads and unpacks the kernel package into $LAB_CACHE/kernel/<version>/
# (boot/vmlinuz-<version> and lib/modules/<version>), then runs depmod on it.
fetch_kernel() {
    local current
    current="$(lab_kernel_version || true)"
    if [[ -n "$current" && -f "$LAB_CACHE/kernel/$current/.complete" ]] \
        && [[ -z "${LAB_KERNEL_PKG:-}" || "$LAB_KERNEL_PKG" == "linux-image-$current" ]]; then
        return 0
    fi
    need_root "downloading the kernel into $LAB_CACHE"
    local pkg ver tmp
    pkg="$(pick_kernel_package)"
    ver="${pkg#linux-image-}"
    lab_host_log "downloading $pkg"
    mkdir -p "$LAB_CACHE/kernel"
    tmp="$(mktemp -d "$LAB_CACHE/download.XXXXXX")"
    CLEANUP+=("$tmp")
    # The sandbox user option only silences apt's warning that _apt cannot
    # write into this root-owned directory.
    if ! (cd "$tmp" && apt_get -o APT::Sandbox::User=root download "$pkg" >/dev/null); then
        apt_update_once
        (cd "$tmp" && apt_get -o APT::Sandbox::User=root download "$pkg" >/dev/null)
    fi
    rm -rf "$tmp/root"
    dpkg-deb -x "$tmp"/"${pkg}"_*.deb "$tmp/root"
    [[ -f "$tmp/root/boot/vmlinuz-$ver" && -d "$tmp/root/lib/modules/$ver" ]] \
        || { lab_host_log "unexpected layout in $pkg"; return 1; }
    depmod -b "$tmp/root" "$ver"
    rm -rf "$LAB_CACHE/kernel/$ver"
    mv "$tmp/root" "$LAB_CACHE/kernel/$ver"
    rm -rf "$tmp"
    touch "$LAB_CACHE/kernel/$ver/.complete"
    echo "$ver" > "$LAB_CACHE/kernel.version"
    lab_host_log "kernel $ver unpacked in $LAB_CACHE/kernel/$ver"
}

# The programs the ipsec-libreswan scenarios run from the unpacked tree.
LIBRESWAN_PROGRAMS=(usr/libexec/ipsec/pluto usr/libexec/ipsec/whack usr/libexec/ipsec/addconn)

# Libreswan (pluto, whack, addconn) unpacked into $LAB_LIBRESWAN_ROOT. Its
# package conflicts with strongSwan's, which the other scenarios need, so it is
# never installed: `apt-get download` + `dpkg-deb -x`, plus the libraries it
# depends on that the host lacks (unpacked into the same tree; the scenario
# runs pluto with LD_LIBRARY_PATH). Done once: the stamp names the version.
fetch_libreswan() {
    local root="$LAB_LIBRESWAN_ROOT"
    [[ -f "$root/.complete" ]] && return 0
    need_root "downloading libreswan into $LAB_CACHE"
    local tmp deb dep deps=() p missing
    tmp="$(mktemp -d "$LAB_CACHE/download.XXXXXX")"
    CLEANUP+=("$tmp")
    mkdir -p "$tmp/debs"
    lab_host_log "downloading libreswan"
    if ! (cd "$tmp/debs" && apt_get -o APT::Sandbox::User=root download libreswan >/dev/null); then
        apt_update_once
        (cd "$tmp/debs" && apt_get -o APT::Sandbox::User=root download libreswan >/dev/null)
    fi
    deb="$(ls "$tmp"/debs/libreswan_*.deb)"
    # Its library dependencies (first alternative of each) that are not installed.
    for dep in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//' | tr -d ' '); do
        [[ "$dep" == lib* ]] || continue
        dpkg-query -W -f='${Status}' "$dep" 2>/dev/null | grep -q 'install ok installed' || deps+=("$dep")
    done
    if [[ ${#deps[@]} -gt 0 ]]; then
        lab_host_log "downloading what libreswan needs beside it: ${deps[*]}"
        (cd "$tmp/debs" && apt_get -o APT::Sandbox::User=root download "${deps[@]}" >/dev/null)
    fi
    for p in "$tmp"/debs/*.deb; do
        dpkg-deb -x "$p" "$tmp/root"
    done
    # Every program must find all its libraries (host's or unpacked ones).
    for p in "${LIBRESWAN_PROGRAMS[@]}"; do
        [[ -x "$tmp/root/$p" ]] || { lab_host_log "libreswan: $p is missing from the package"; return 1; }
        missing="$(LD_LIBRARY_PATH="$tmp/root/usr/lib/x86_64-linux-gnu:$tmp/root/lib/x86_64-linux-gnu" \
            ldd "$tmp/root/$p" | grep 'not found' || true)"
        [[ -z "$missing" ]] || { lab_host_log "libreswan: $p lacks libraries: $missing"; return 1; }
    done
    dpkg-deb -f "$deb" Version > "$tmp/root/.complete"
    rm -rf "$root"
    mv "$tmp/root" "$root"
    rm -rf "$tmp"
    lab_host_log "libreswan $(cat "$root/.complete") unpacked in $root"
}

# Builds the initramfs (path from lab_initrd_path): busybox, guest/init and
# the modules needed to mount the root. The name changes with any input, so an
# existing file is always up to date.
build_initramfs() {
    local ver kroot out
    ver="$(lab_kernel_version)"
    kroot="$LAB_CACHE/kernel/$ver"
    out="$(lab_initrd_path)"
    [[ -f "$out" ]] && return 0
    [[ -w "$LAB_CACHE" ]] || need_root "writing the initramfs into $LAB_CACHE"
    lab_host_log "building initramfs for $ver"
    local tree ko
    tree="$(mktemp -d)"
    CLEANUP+=("$tree" "$out.tmp.$$")
    mkdir -p "$tree"/{bin,dev,proc,sys,modules}
    cp /bin/busybox "$tree/bin/busybox"
    install -m 0755 "$LAB_DIR/guest/init" "$tree/init"
    # The kernel opens /dev/console before /init runs, and devtmpfs is not yet
    # mounted then: the node must be in the archive (needs root for mknod).
    mknod -m 600 "$tree/dev/console" c 5 1 2>/dev/null || true
    # Dependency order straight from modprobe, so a new kernel ABI needs no edit.
    : > "$tree/modules/order"
    while read -r ko; do
        [[ -e "$tree/modules/$(basename "$ko")" ]] && continue
        cp "$ko" "$tree/modules/"
        basename "$ko" >> "$tree/modules/order"
    done < <(modprobe -d "$kroot" -S "$ver" --show-depends -a "${LAB_INITRD_MODULES[@]}" \
        | awk '$1 == "insmod" {print $2}')
    (cd "$tree" && find . -print0 | sort -z | cpio --quiet -o -0 -H newc -R 0:0) | gzip -1 > "$out.tmp.$$"
    mv "$out.tmp.$$" "$out"
    # Images of older guest/init versions: drop those unused for 30 days.
    find "$LAB_CACHE" -maxdepth 1 -name 'initrd-*.gz' -atime +30 -delete 2>/dev/null || true
}

main() {
    install_packages
    mkdir -p "$LAB_CACHE" 2>/dev/null || need_root "creating $LAB_CACHE"
    # One setup at a time per cache (two lab runs may start together).
    if [[ -w "$LAB_CACHE" ]]; then
        exec 9>>"$LAB_CACHE/.setup.lock"
        flock 9
    fi
    fetch_kernel
    fetch_libreswan
    build_initramfs
}

main "$@"
