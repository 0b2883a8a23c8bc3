#!/bin/bash
# tests/boot/firmware-boot-order.sh: -boot as SeaBIOS sees it (CMOS 3Dh/38h, QEMU's encoding).
# A blank disk and a blank CD (nothing bootable); SeaBIOS tries the devices in its order,
# printing "Booting from ..." for each on the serial console (etc/sercon-port with
# -nographic), then "No bootable device." and, as under QEMU (etc/boot-fail-wait), no retry: the
# run is stopped there. The attempts must start with the devices the letters name.
# Usage: firmware-boot-order.sh VIREO
set -u
vireo=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c $((1 << 20)) /dev/zero > "$tmp/disk.raw"
head -c $((64 * 2048)) /dev/zero > "$tmp/cd.iso"
failed=0

attempts() { # ARGS...: the devices SeaBIOS tried, ';'-separated
    local out=$tmp/out
    "$vireo" "$@" -icount 1 -m 64 -nographic -no-reboot \
        -drive "file=$tmp/disk.raw,format=raw,if=ide,index=0,media=disk" \
        -drive "file=$tmp/cd.iso,format=raw,if=ide,index=2,media=cdrom" </dev/null >"$out" 2>&1 &
    local pid=$!
    for _ in $(seq 600); do
        grep -aq 'No bootable device' "$out" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    tr -d '\r' <"$out" | grep -ao 'Booting from [A-Za-z/ ]*' | sed 's/^Booting from //; s/\.*$//' |
        tr '\n' ';'
}

check() { # EXPECTED-PREFIX ARGS...
    local want=$1
    shift
    local got
    got=$(attempts "$@")
    case $got in
    "$want"*) echo "ok   ${*:-(default)}: $got" ;;
    *) echo "FAIL ${*:-(default)}: tried '$got', expected it to start with '$want'"; failed=1 ;;
    esac
}

check "Hard Disk;"
check "Hard Disk;" -boot c
check "DVD/CD;" -boot d
check "DVD/CD;Hard Disk;" -boot order=dc
check "Hard Disk;DVD/CD;" -boot cd
exit $failed
