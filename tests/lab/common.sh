# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this
# Host-side settings shared by setup.sh and run-scenario.sh (sourced, never run).
# Everything here is overridable from the environment so that CI or a developer
# can move the cache or pin another kernel without editing the scripts.

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_REPO="$(cd "$LAB_DIR/../.." && pwd)"

# The cache lives outside the work tree by default: CI runs in a fresh clone on
# the same machine, and the unpacked kernel (~400 MB of modules) should survive
# that instead of being downloaded again for every clone.
LAB_CACHE="${LAB_CACHE:-/var/cache/appliance-lab}"

# Debian packages the lab needs on the host. The guest runs the host's own root
# filesystem over 9p, so whatever a scenario calls (nft, ip, ping, modprobe...)
# must be installed here.
# libnss3-tools (certutil) is for Libreswan's pluto, which wants an NSS database
# even with a pre-shared key; pluto itself cannot be installed beside strongSwan
# (the packages conflict), so it is unpacked into the cache (LAB_LIBRESWAN_ROOT).
# The second line is the scenarios' real peers: strongSwan's charon with kernel-netlink (the
# ipsec-* and l2tp-* clients), xl2tpd + pppd (the L2TP/PPP client), iperf3 (throughput through
# the tunnel), python3 (crafted datagrams); libnss3-tools for Libreswan's NSS database.
LAB_PACKAGES=(qemu-system-x86 busybox-static cpio kmod iproute2 nftables iputils-ping procps coreutils util-linux libnss3-tools
    strongswan-charon strongswan-swanctl libstrongswan-standard-plugins xl2tpd ppp iperf3 python3)

# Libreswan unpacked from Debian's package (setup.sh), with the libraries it
# needs that the host lacks: pluto runs from here with LD_LIBRARY_PATH.
LAB_LIBRESWAN_ROOT="$LAB_CACHE/libreswan"

# Modules the initramfs loads before it can mount the host's root: the virtio
# PCI transport, 9p over virtio and overlayfs (the writable layer over the
# read-only 9p root). Their dependencies are resolved by modprobe at build time.
LAB_INITRD_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

lab_host_log() { printf 'lab: %s\n' "$*" >&2; }

# The kernel the lab boots: recorded by setup.sh after the download, so that a
# later apt-get update (a newer kernel ABI) does not silently change the lab.
lab_kernel_version() {
    [[ -s "$LAB_CACHE/kernel.version" ]] && cat "$LAB_CACHE/kernel.version"
}

# The initramfs for the cached kernel. Its name carries a hash of everything
# that goes into it, so two checkouts with different guest/init scripts (say,
# a developer's tree and a CI clone) can share the cache without clobbering
# each other's image.
lab_initrd_path() {
    local ver hash
    ver="$(lab_kernel_version)" || return 1
    hash="$( { sha256sum "$LAB_DIR/guest/init" "$LAB_DIR/setup.sh" /bin/busybox 2>/dev/null | awk '{print $1}'
               echo "$ver ${LAB_INITRD_MODULES[*]}"; } | sha256sum | cut -c1-12)"
    echo "$LAB_CACHE/initrd-$ver-$hash.gz"
}
