#!/bin/bash
# bench/cpu-mips.sh: guest MIPS of vireo's interpreter (tier 0) and of qemu-system-x86_64 (TCG)
# on the same bare-metal images (bench/cpu_loops.asm), run side by side in one invocation.
#
# Each loop runs as a Multiboot image that exits through isa-debug-exit. Time is wall-clock
# for the whole run, best of RUNS (default 3); the same image with zero iterations is timed too
# and subtracted, so start-up does not count. Instructions are counted from the loop's shape
# (4 per iteration for REG, 6 for MEM).
#
# Usage: bench/cpu-mips.sh [BUILD_DIR]   (default: build; run scripts/build.sh first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
runs=${RUNS:-3}
vireo=$build/vireo
qemu=${QEMU:-qemu-system-x86_64}
images=$build/bench
[ -x "$vireo" ] || { echo "cpu-mips.sh: $vireo not found: run scripts/build.sh" >&2; exit 1; }
command -v "$qemu" >/dev/null || { echo "cpu-mips.sh: $qemu not found" >&2; exit 1; }

# best_time CMD...: the smallest wall time of $runs runs, in seconds; the guest must exit
# through isa-debug-exit with code 0 (status 1).
best_time() {
    local best='' t0 t1 t status
    for _ in $(seq "$runs"); do
        t0=$(date +%s.%N)
        set +e
        "$@" >/dev/null 2>&1 </dev/null
        status=$?
        set -e
        t1=$(date +%s.%N)
        [ "$status" -eq 1 ] || { echo "cpu-mips.sh: '$*' ended with status $status" >&2; exit 1; }
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    echo "$best"
}

run_vireo() { "$vireo" -m 32 -nographic -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1 -kernel "$1"; }
run_qemu() { "$qemu" -accel tcg -m 32 -display none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1 -kernel "$1"; }

printf '%-5s %12s %10s %10s %10s %10s %12s\n' loop insns vireo_s vireo_MIPS qemu_s qemu_MIPS vireo/qemu
for spec in reg:125000000:4 mem:83333333:6; do
    IFS=: read -r kind iters per <<<"$spec"
    insns=$((iters * per))
    full=$images/cpu_loop_${kind}_${iters}.bin empty=$images/cpu_loop_${kind}_0.bin
    v=$(echo "$(best_time run_vireo "$full") - $(best_time run_vireo "$empty")" | bc -l)
    q=$(echo "$(best_time run_qemu "$full") - $(best_time run_qemu "$empty")" | bc -l)
    printf '%-5s %12d %10.3f %10.1f %10.3f %10.1f %12.3f\n' "$kind" "$insns" "$v" \
        "$(echo "$insns / $v / 1000000" | bc -l)" "$q" "$(echo "$insns / $q / 1000000" | bc -l)" \
        "$(echo "($insns / $v) / ($insns / $q)" | bc -l)"
done
