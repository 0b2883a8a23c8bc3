#!/bin/bash
# Installs every Debian 12 package that vireo's build, tests, default guest and benchmarks need.
# Idempotent: installs only what is missing, and runs apt-get update only then. Needs root (it
# re-runs itself through sudo when started as another user and sudo exists).
set -euo pipefail

packages=(
    # build
    build-essential cmake pkg-config
    libcapstone-dev libsdl2-dev zlib1g-dev libslirp-dev
    # bare-metal test guests
    nasm binutils
    # firmware and the default guest (scripts/make-linux-guest.sh)
    seabios cpio gzip dpkg
    # guest ISO (SeaBIOS -> GRUB -> Linux)
    grub-pc-bin grub-common xorriso mtools
    # debugging and side-by-side references
    gdb qemu-system-x86 qemu-utils
    # ACPI tables: iasl disassembles the ones vireo builds (tests)
    acpica-tools
    # the SDL window under a virtual X server: typed keys, window screenshots (tests)
    xvfb xdotool x11-apps
    # test and benchmark scripts
    python3 bc
)

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        exec sudo "$0" "$@"
    fi
    echo "install-deps.sh: must run as root (no sudo found)" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps.sh: all ${#packages[@]} packages present"
    exit 0
fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
