#!/bin/bash
# tests/guest/run-guest.sh: runs one multiboot test guest under qemu-system-x86_64 (TCG), the
# reference the guests are proven against, or under vireo (--vireo PATH), with the same devices
# (debug console on port 0xE9, isa-debug-exit on 0xF4), and checks what the guest reported
# (protocol in rt/guest.h):
#   - the exit status is (CODE << 1) | 1, which isa-debug-exit gives for guest exit code CODE
#     (a timeout, a triple fault or a guest without exit is a failure);
#   - the debug console (port 0xE9) holds the lines of the expect file, in that order, each line
#     whole (other lines may come between); lines of the expect file starting with '#' are
#     comments;
#   - the debug console has no line starting with "FAIL".
# An expect line "vireo: LINE" requires LINE in the vireo run only: the check it names is one
# QEMU TCG gets wrong, and the QEMU run leaves it out (see tests/guest/cpu/README).
# --qemu-cpu MODEL is passed as -cpu MODEL to QEMU only (vireo has one CPU model).
# --drive SPEC (repeatable) gives both emulators -drive SPEC (QEMU's syntax).
#
# Usage: run-guest.sh [--vireo PATH] [--exit CODE] [--expect FILE] [--append CMDLINE]
#                     [--qemu-cpu MODEL] [--timeout SECONDS] [--drive SPEC]... IMAGE
# Exit status: 0 all checks hold, 1 a check failed, 2 bad usage, 77 QEMU missing (a CTest skip;
# with CI=true a missing QEMU is a failure instead). QEMU=path overrides the binary.
set -u

guest_exit=0 expect_file='' append='' timeout_s=60 image='' vireo='' qemu_cpu='' drives=()
usage() {
    echo "usage: run-guest.sh [--vireo PATH] [--exit CODE] [--expect FILE] [--append CMDLINE]" \
         "[--qemu-cpu MODEL] [--timeout SECONDS] [--drive SPEC]... IMAGE" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
    --vireo) [ $# -ge 2 ] || usage; vireo=$2; shift 2 ;;
    --exit) [ $# -ge 2 ] || usage; guest_exit=$2; shift 2 ;;
    --expect) [ $# -ge 2 ] || usage; expect_file=$2; shift 2 ;;
    --append) [ $# -ge 2 ] || usage; append=$2; shift 2 ;;
    --qemu-cpu) [ $# -ge 2 ] || usage; qemu_cpu=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
    --drive) [ $# -ge 2 ] || usage; drives+=(-drive "$2"); shift 2 ;;
    -*) usage ;;
    *) [ -z "$image" ] || usage; image=$1; shift ;;
    esac
done
[ -n "$image" ] || usage
[[ $guest_exit =~ ^[0-9]+$ ]] || usage
for f in "$image" ${expect_file:+"$expect_file"}; do
    [ -r "$f" ] || { echo "run-guest.sh: $f: cannot read" >&2; exit 2; }
done

qemu=${QEMU:-qemu-system-x86_64}
if [ -z "$vireo" ] && ! command -v "$qemu" >/dev/null 2>&1; then
    if [ "${CI:-}" = true ]; then
        echo "FAIL: $qemu not found (CI=true: the reference run is required)"
        exit 1
    fi
    echo "SKIP: $qemu not found (scripts/install-deps.sh installs qemu-system-x86)"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exit_device=isa-debug-exit,iobase=0xf4,iosize=4
args=(-nographic -no-reboot -debugcon "file:$tmp/debugcon" -device "$exit_device"
      -kernel "$image")
[ -z "$append" ] || args+=(-append "$append")
args+=("${drives[@]}")
if [ -n "$vireo" ]; then
    emulator=$vireo name=vireo
else
    emulator=$qemu name=QEMU
    args=(-accel tcg ${qemu_cpu:+-cpu "$qemu_cpu"} "${args[@]}")
fi
echo "\$ $emulator ${args[*]}"
timeout -k 5 "$timeout_s" "$emulator" "${args[@]}" </dev/null >"$tmp/console" 2>&1
status=$?
touch "$tmp/debugcon"
echo "== debug console"
cat "$tmp/debugcon"

problems=0
want=$(( ((guest_exit << 1) | 1) & 255 ))
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "FAIL: no exit within ${timeout_s}s (status $status)"
    problems=$((problems + 1))
elif [ "$status" -ne "$want" ]; then
    echo "FAIL: exit status $status, expected $want (guest exit code $guest_exit)"
    problems=$((problems + 1))
fi
if [ "$status" -ne "$want" ]; then
    echo "== $name console and stderr"
    cat "$tmp/console"
    echo
fi

# The runtime prints this only when execution continued past its write to the exit port.
if grep -q 'no exit device' "$tmp/debugcon"; then
    echo "FAIL: the guest kept running after writing to the exit port"
    problems=$((problems + 1))
fi

if grep -q '^FAIL' "$tmp/debugcon"; then
    echo "FAIL: the guest reported a failed check"
    problems=$((problems + 1))
fi

if [ -n "$expect_file" ]; then
    mapfile -t seen <"$tmp/debugcon"
    i=0
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in '#'* | '') continue ;; esac
        case $line in
        'vireo: '*) [ -n "$vireo" ] || continue; line=${line#vireo: } ;;
        esac
        while [ "$i" -lt "${#seen[@]}" ] && [ "${seen[$i]}" != "$line" ]; do
            i=$((i + 1))
        done
        if [ "$i" -ge "${#seen[@]}" ]; then
            echo "FAIL: expected line missing or out of order: $line"
            problems=$((problems + 1))
            break
        fi
        i=$((i + 1))
    done <"$expect_file"
fi

if [ "$problems" -ne 0 ]; then
    echo "run-guest.sh: $image: $problems problem(s)"
    exit 1
fi
echo "run-guest.sh: $image: ok (exit status $status)"
