#!/bin/bash
# scripts/make-linux-guest.sh: builds vireo's default Linux guest from Debian 12 packages.
#
# Usage: scripts/make-linux-guest.sh [--arch amd64|i386] [OUTDIR]
#   OUTDIR defaults to guest/ at the top of the repository (ignored by git).
#
# Writes to OUTDIR:
#   bzImage          Debian's stock kernel, unmodified: linux-image-amd64, or linux-image-686
#                    with --arch i386
#   initramfs.gz     newc cpio, gzip: a static busybox (busybox-static), /init and
#                    /guest-bench.sh; byte-for-byte the same for the same packages
#   busybox          that busybox binary, and guest-bench.sh, that workload (bench/), so the
#   guest-bench.sh   workload can also run natively as a reference
#   MANIFEST         package versions and the sha256 of each file above
#
# The guest's /init prints "GUEST-BOOT-OK uptime=<s> kernel=<release> arch=<machine>" on the
# console. With bench=NAME [benchscale=PCT] on the kernel command line it then runs
# guest-bench.sh NAME PCT (GUEST-BENCH-* lines), prints GUEST-POWEROFF and powers off;
# without, it gives a busybox shell on the console. For example:
#   qemu-system-x86_64 -accel tcg -m 512 -nographic -no-reboot \
#       -kernel guest/bzImage -initrd guest/initramfs.gz -append "console=ttyS0 panic=-1 bench=all"
#
# Packages are fetched with apt-get download and unpacked with dpkg-deb -x in a scratch
# directory: nothing is installed on the host. Needs cpio, gzip and dpkg-deb
# (scripts/install-deps.sh); root only to refresh apt's lists or, for i386, to add that
# architecture to dpkg.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
arch=amd64
outdir=$repo/guest

die() {
    echo "make-linux-guest.sh: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case $1 in
    --arch) [ $# -ge 2 ] || die "--arch: missing argument"; arch=$2; shift 2 ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    -*) die "$1: unknown option" ;;
    *) outdir=$1; shift ;;
    esac
done

case $arch in
amd64) kernel_meta=linux-image-amd64 pkg_arch= ;;
i386) kernel_meta=linux-image-686 pkg_arch=:i386 ;;
*) die "--arch: $arch: not amd64 or i386" ;;
esac

for tool in apt-get apt-cache dpkg-deb cpio gzip sha256sum; do
    command -v "$tool" >/dev/null || die "$tool: not found (scripts/install-deps.sh installs it)"
done

# apt_refresh: apt-get update, once, when a package is unknown (a fresh machine has no lists).
refreshed=
apt_refresh() {
    [ -z "$refreshed" ] || return 0
    refreshed=1
    [ "$(id -u)" -eq 0 ] || die "apt does not know $1; run apt-get update as root"
    echo ">> apt-get update"
    apt-get update -qq || echo "make-linux-guest.sh: apt-get update reported errors" >&2
}

if [ "$arch" = i386 ] && ! dpkg --print-foreign-architectures | grep -qx i386; then
    [ "$(id -u)" -eq 0 ] || die "--arch i386 needs dpkg --add-architecture i386 (as root)"
    dpkg --add-architecture i386
    refreshed=
    apt_refresh i386
fi

for pkg in "$kernel_meta$pkg_arch" "busybox-static$pkg_arch"; do
    apt-cache show --no-all-versions "$pkg" >/dev/null 2>&1 || apt_refresh "$pkg"
    apt-cache show --no-all-versions "$pkg" >/dev/null 2>&1 || die "$pkg: no such package in apt"
done

# The meta package depends on the versioned one (linux-image-6.1.0-N-amd64) that holds
# /boot/vmlinuz-<release>.
kernel_pkg=$(apt-cache show --no-all-versions "$kernel_meta$pkg_arch" |
    sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*\).*/\1/p' | head -n 1)
[ -n "$kernel_pkg" ] || die "$kernel_meta: cannot find the kernel package it depends on"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/vireo-guest.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/debs" "$scratch/pkgs" "$scratch/root"
# apt-get download runs as the unprivileged _apt user when started as root.
chmod 755 "$scratch"
chmod 777 "$scratch/debs"

echo ">> downloading $kernel_pkg$pkg_arch busybox-static$pkg_arch"
(cd "$scratch/debs" && apt-get download -q "$kernel_pkg$pkg_arch" "busybox-static$pkg_arch")
for deb in "$scratch"/debs/*.deb; do
    dpkg-deb -x "$deb" "$scratch/pkgs"
done
kernels=("$scratch"/pkgs/boot/vmlinuz-*)
vmlinuz=${kernels[0]}
[ -f "$vmlinuz" ] || die "$kernel_pkg: no /boot/vmlinuz-* in the package"
busybox=$scratch/pkgs/bin/busybox
[ -x "$busybox" ] || die "busybox-static: no /bin/busybox in the package"

# The initramfs tree. Only /bin/busybox is a file; /init makes the applet links at boot, which
# works for any --arch without running the guest's binary on the host.
root=$scratch/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,root,etc}
ln -s bin "$root/sbin"
install -m 755 "$busybox" "$root/bin/busybox"
install -m 755 "$repo/bench/guest-bench.sh" "$root/guest-bench.sh"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
# The kernel opens /dev/console for PID 1 before anything is mounted; without the node the
# early output of /init is lost. mknod needs root: without it /init still reopens the console
# once devtmpfs is up.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null ||
    echo "make-linux-guest.sh: not root, initramfs has no /dev/console node" >&2

cat >"$root/init" <<'INIT'
#!/bin/busybox sh
# /init of vireo's default guest, written by scripts/make-linux-guest.sh (see there).
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin:/sbin HOME=/root
mount -t devtmpfs devtmpfs /dev && exec </dev/console >/dev/console 2>&1
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
hostname guest

read -r up _ </proc/uptime
# The empty line ends whatever firmware or kernel left unfinished on the console, so the marker
# starts a line.
echo
echo "GUEST-BOOT-OK uptime=$up kernel=$(uname -r) arch=$(uname -m)"

# The kernel also hands unknown name=value words to init as environment; read the command
# line itself so that only it decides.
bench= scale=100
for word in $(cat /proc/cmdline); do
    case $word in
    bench=*) bench=${word#bench=} ;;
    benchscale=*) scale=${word#benchscale=} ;;
    esac
done

if [ -n "$bench" ]; then
    BB=/bin/busybox BENCH_TMP=/tmp sh /guest-bench.sh "$bench" "$scale"
    echo "GUEST-POWEROFF"
    sync
    poweroff -f
    # No ACPI power-off (e.g. an emulator without it): a reset, which -no-reboot ends.
    reboot -f
else
    echo "No bench= on the kernel command line: busybox shell."
    echo "'sh /guest-bench.sh all' runs the workload, 'poweroff -f' ends the guest."
    export PS1='guest# '
    while true; do
        setsid cttyhack sh -l
    done
fi
# PID 1 must not exit (the kernel would panic) while power-off is under way.
while true; do
    sleep 60
done
INIT
chmod 755 "$root/init"

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
new=$outdir/.new
rm -rf "$new"
mkdir "$new"

# Reproducible archive: fixed times and owners, sorted names, no time in the gzip header.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9 -n >"$new/initramfs.gz"
install -m 644 "$vmlinuz" "$new/bzImage"
install -m 755 "$busybox" "$new/busybox"
install -m 755 "$repo/bench/guest-bench.sh" "$new/guest-bench.sh"
{
    echo "arch $arch"
    echo "kernel_release ${vmlinuz##*/vmlinuz-}"
    for deb in "$scratch"/debs/*.deb; do
        echo "package $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"
    done
    (cd "$new" && sha256sum bzImage initramfs.gz busybox guest-bench.sh | sed 's/^/sha256 /')
} >"$new/MANIFEST"

# Replace the old guest only once the new one is complete.
sync
for f in bzImage initramfs.gz busybox guest-bench.sh MANIFEST; do
    mv -f "$new/$f" "$outdir/$f"
done
rmdir "$new"
cat "$outdir/MANIFEST"
echo ">> guest ready in $outdir"
