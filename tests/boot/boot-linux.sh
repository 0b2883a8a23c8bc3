#!/bin/bash
# tests/boot/boot-linux.sh: boots the default Linux guest (scripts/make-linux-guest.sh) under
# vireo or QEMU and checks what a user would see on the serial console.
#
# Usage: boot-linux.sh [--emulator CMD] [--guest DIR] [--shell | --no-shutdown]
#                      [--boot-from OPTION IMAGE] [--timeout SECONDS] [-- ARGS]
#   --emulator CMD  the emulator command (default: build/vireo); e.g.
#                   "qemu-system-x86_64 -accel tcg -no-reboot" for the side-by-side reference
#   --guest DIR     bzImage and initramfs.gz (default: guest/)
#   --shell         boot without bench=: wait for the busybox shell, type a command and
#                   "poweroff -f" on the console, and check the command's output
#   --no-shutdown   bench=none with the emulator's -no-shutdown: after the guest's power-off
#                   the emulator must keep running until Ctrl-A x is typed, then exit 0
#   --boot-from OPTION IMAGE
#                   boot through the firmware from a disk image instead of -kernel, e.g.
#                   --boot-from -cdrom guest.iso (an ISO of make-guest-iso.sh made with
#                   bench=none on its kernel command line)
#   ARGS            extra emulator arguments
#
# Checks (each failure is one line; the exit status is 1 if any):
#   - "GUEST-BOOT-OK" on the console (the guest's /init reached userspace);
#   - without --shell (bench=none): "GUEST-POWEROFF", then the emulator exits with status 0
#     (the guest powered the machine off through ACPI);
#   - with --shell: the typed command's output (42 computed by the guest's shell), then exit 0;
#   - with --no-shutdown: still running 3 s after the guest's power-off, exit 0 after Ctrl-A x.
# The console is kept in a log whose path is printed on failure.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
emulator=$repo/build/vireo
guest=$repo/guest
shell=0
no_shutdown=0
timeout=300
extra=()
boot_from=()

die() {
    echo "boot-linux.sh: $*" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --emulator) emulator=$2; shift 2 ;;
    --guest) guest=$2; shift 2 ;;
    --shell) shell=1; shift ;;
    --no-shutdown) no_shutdown=1; extra+=(-no-shutdown); shift ;;
    --boot-from) boot_from=("$2" "$3"); shift 3 ;;
    --timeout) timeout=$2; shift 2 ;;
    --) shift; extra+=("$@"); break ;;
    *) die "$1: unknown option" ;;
    esac
done

for f in bzImage initramfs.gz; do
    [ -r "$guest/$f" ] || die "$guest/$f: missing (scripts/make-linux-guest.sh builds it)"
done

log=$(mktemp /tmp/vireo-boot.XXXXXX)
append="console=ttyS0 panic=-1"
if [ $shell -eq 0 ]; then
    append="$append bench=none"
fi
# shellcheck disable=SC2206
if [ ${#boot_from[@]} -gt 0 ]; then
    [ $shell -eq 0 ] || die "--shell needs -kernel (the image fixes the command line)"
    cmd=($emulator -m 512 -nographic "${boot_from[@]}" "${extra[@]}")
else
    cmd=($emulator -m 512 -nographic -kernel "$guest/bzImage" -initrd "$guest/initramfs.gz"
         -append "$append" "${extra[@]}")
fi

problems=0
fail() {
    echo "FAIL: $*"
    problems=$((problems + 1))
}

if [ $no_shutdown -eq 1 ]; then
    fifo=$(mktemp -u /tmp/vireo-boot-in.XXXXXX)
    mkfifo "$fifo"
    timeout "$timeout" "${cmd[@]}" <"$fifo" >"$log" 2>&1 &
    pid=$!
    exec 3>"$fifo"
    for _ in $(seq 1 "$timeout"); do
        grep -q "reboot: Power down" "$log" && break
        kill -0 $pid 2>/dev/null || break
        sleep 1
    done
    sleep 3
    kill -0 $pid 2>/dev/null || fail "the emulator exited at the guest's power-off despite -no-shutdown"
    printf '\001x' >&3
    wait $pid
    status=$?
    exec 3>&-
    rm -f "$fifo"
elif [ $shell -eq 0 ]; then
    timeout "$timeout" "${cmd[@]}" </dev/null >"$log" 2>&1
    status=$?
else
    # Type into the console once the shell's prompt hint is there: the guest's shell computes
    # 6 * 7, so the answer cannot come from our own input echoed back.
    fifo=$(mktemp -u /tmp/vireo-boot-in.XXXXXX)
    mkfifo "$fifo"
    timeout "$timeout" "${cmd[@]}" <"$fifo" >"$log" 2>&1 &
    pid=$!
    exec 3>"$fifo"
    for _ in $(seq 1 "$timeout"); do
        grep -q "busybox shell" "$log" && break
        kill -0 $pid 2>/dev/null || break
        sleep 1
    done
    printf 'echo VIREO-SHELL-$((6*7))\n' >&3
    for _ in $(seq 1 60); do
        grep -q "VIREO-SHELL-42" "$log" && break
        sleep 1
    done
    printf 'poweroff -f\n' >&3
    wait $pid
    status=$?
    exec 3>&-
    rm -f "$fifo"
fi

grep -q "GUEST-BOOT-OK" "$log" || fail "no GUEST-BOOT-OK on the console"
if [ $shell -eq 0 ]; then
    grep -q "GUEST-POWEROFF" "$log" || fail "no GUEST-POWEROFF on the console"
else
    grep -q "VIREO-SHELL-42" "$log" || fail "the shell did not answer the typed command"
fi
[ "$status" -eq 0 ] || fail "emulator exit status $status, expected 0 (124: timed out)"

if [ $problems -ne 0 ]; then
    echo "console log: $log"
    exit 1
fi
grep -m1 "GUEST-BOOT-OK" "$log"
rm -f "$log"
echo "PASS"
