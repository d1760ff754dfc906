#!/bin/bash
# Guest PID 1 after switch_root: prepares the guest userland, runs the scenario
# and powers the guest off. It is read from the repo over 9p on every boot, so
# changing it needs no initramfs rebuild.
#
# Contract with run-scenario.sh (all files in the results export, /lab/results):
#   in:  lab.conf  (LAB_SCENARIO=path, LAB_SCENARIO_TIMEOUT=seconds, ...)
#        env.sh    (exported host variables: APPLIANCE_BIN, LAB_REPO, ...)
#        args      (scenario arguments, NUL-separated)
#   out: exitcode  (the scenario's exit code; absent = the guest never got there)
#        scenario.log, results.txt, logs/, boot-seconds
#
# Deliberately no `set -e`: PID 1 must always reach the power-off at the end,
# whatever the scenario does.
set -uo pipefail

RESULTS=/lab/results
# The initramfs left PATH=/bin; use the host's normal root PATH from here on.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

poweroff_now() {
    sync
    echo o > /proc/sysrq-trigger
    sleep 10
    # If ACPI power-off did not happen, exiting PID 1 panics the kernel; with
    # panic=-1 it reboots and qemu (-no-reboot) exits anyway.
    exit 1
}

conf() { sed -n "s/^$1=//p" "$RESULTS/lab.conf" | tail -n 1; }

# Writable runtime dirs. Everything is already writable through the overlay,
# but /run and /tmp get fresh tmpfs mounts: the host's /run and /tmp show through
# the overlay with the host's pid files, locks and sockets, which would mislead
# daemons started by scenarios. (So host paths under /tmp are not visible in the
# guest; run-scenario.sh warns about such an APPLIANCE_BIN.)
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mkdir -p /run/lock /run/netns /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
hostname lab 2>/dev/null || echo lab > /proc/sys/kernel/hostname
ip link set lo up 2>/dev/null

# Boot time = guest uptime when userland gets control.
read -r uptime _ < /proc/uptime
echo "$uptime" > "$RESULTS/boot-seconds"

# There is no udev in the guest, so nothing loads the CPU-feature crypto
# drivers that -cpu max makes usable (udev would, by the CPU's modalias); kernel
# ESP would then use the generic C ciphers. Load the useful ones by name: the
# full modalias coldplug costs 3 s and drags in kvm, edac and cpufreq drivers.
modprobe -q -a aesni_intel sha1_ssse3 sha256_ssse3 sha512_ssse3 ghash_clmulni_intel 2>/dev/null

export LAB_RESULTS="$RESULTS"
# shellcheck source=/dev/null
[ -f "$RESULTS/env.sh" ] && . "$RESULTS/env.sh"

scenario="$(conf LAB_SCENARIO)"
timeout_s="$(conf LAB_SCENARIO_TIMEOUT)"
args=()
[ -f "$RESULTS/args" ] && mapfile -d '' -t args < "$RESULTS/args"

echo "lab: guest up after ${uptime}s (kernel $(uname -r)); running $scenario ${args[*]:-}"

cd "${LAB_REPO:-/}" || cd /
# The scenario's output goes both to the console (saved by qemu) and to
# scenario.log; `timeout` keeps a few seconds for the power-off before the
# host's hard timeout kills qemu.
timeout --kill-after=5 "${timeout_s:-270}" bash "$scenario" "${args[@]}" 2>&1 | tee "$RESULTS/scenario.log"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "lab: scenario timed out after ${timeout_s}s (rc=$rc)"
    echo "FAIL scenario-timeout: no result after ${timeout_s}s" >> "$RESULTS/results.txt"
fi
echo "$rc" > "$RESULTS/exitcode"
echo "lab: scenario exit code $rc"
poweroff_now
