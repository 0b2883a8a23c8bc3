#!/bin/sh
# bench/guest-bench.sh: the CPU-bound workload of vireo's default Linux guest.
#
# Usage: guest-bench.sh NAME [SCALE_PERCENT]
#   NAME   all, none (the START and DONE lines only, for boot timing), or one part:
#          shell awk sha256 md5 gzip gunzip sort sed
#   SCALE  work size in percent of the default, 100 unless given (e.g. 10 on a slow emulator)
# Environment: BB  the busybox binary that runs every applet (default: busybox in PATH)
#              BENCH_TMP  where scratch files go (default /tmp; tmpfs in the guest)
#
# scripts/make-linux-guest.sh packs this file into the initramfs, where /init runs it for
# bench=NAME [benchscale=PCT] on the kernel command line, and puts it beside the very busybox
# binary of the guest, so that the same work runs natively for a reference time:
#   BB=guest/busybox guest/busybox sh guest/guest-bench.sh all
#
# Output, one line each, for harnesses to parse:
#   GUEST-BENCH-START <name> <scale>
#   GUEST-BENCH-PART <part> <seconds> <checksum>    one per part, in order
#   GUEST-BENCH-DONE <name> <seconds>
# Seconds come from /proc/uptime (10 ms steps) of whoever runs it. A checksum depends only on
# the part, the scale and the busybox build, so a guest run that disagrees with a native run of
# the same busybox has met an emulation bug. Scratch data is made before the clock starts.

BB=${BB:-busybox}
name=${1:-all}
scale=${2:-100}
case $scale in
'' | *[!0-9]*) echo "guest-bench.sh: scale must be a whole percentage, not '$scale'" >&2; exit 2 ;;
esac

all_parts="shell awk sha256 md5 gzip gunzip sort sed"
case " none all $all_parts " in
*" $name "*) ;;
*) echo "guest-bench.sh: unknown workload '$name' (all none $all_parts)" >&2; exit 2 ;;
esac

work=${BENCH_TMP:-/tmp}/guest-bench.$$
$BB mkdir -p "$work" || exit 1
trap '$BB rm -rf "$work"' EXIT

# scaled N: N at the chosen scale, at least 1.
scaled() {
    n=$(($1 * scale / 100))
    [ "$n" -gt 0 ] || n=1
    echo "$n"
}

# Centiseconds since boot; /proc/uptime reads like "1234.56 789.01".
uptime_cs() {
    read -r up _ </proc/uptime
    frac=${up#*.}
    echo $((${up%.*} * 100 + ${frac#0}))
}

seconds_since() {
    cs=$(($(uptime_cs) - $1))
    printf '%d.%02d' $((cs / 100)) $((cs % 100))
}

checksum() {
    $BB md5sum | $BB cut -c1-12
}

# Text records from a 32-bit linear congruential generator (Knuth's 69069): products stay below
# 2^53, so awk's doubles compute them exactly on every host.
make_data() {
    [ -s "$work/data" ] && return
    $BB awk -v n="$(scaled 200000)" 'BEGIN {
        x = 1
        w = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima"
        nw = split(w, words, " ")
        for (i = 1; i <= n; i++) {
            x = (x * 69069 + 1) % 4294967296
            printf "%07d %08x %s %d\n", i, x, words[x % nw + 1], x % 100000
        }
    }' >"$work/data"
}

make_data_gz() {
    make_data
    [ -s "$work/data.gz" ] || $BB gzip -6 -c <"$work/data" >"$work/data.gz"
}

# The shell's own arithmetic and loop, no process per step: interpreter-style guest code.
part_shell() {
    n=$(scaled 150000) i=0 x=1
    while [ "$i" -lt "$n" ]; do
        x=$(((x * 69069 + 1) % 4294967296))
        i=$((i + 1))
    done
    echo "$x"
}

# Sieve of Eratosthenes and a floating-point series: array, integer and FPU/SSE work.
part_awk() {
    $BB awk -v n="$(scaled 400000)" 'BEGIN {
        count = 0; sum = 0
        for (i = 2; i <= n; i++) {
            if (composite[i]) continue
            count++; sum = (sum + i) % 1000000007
            for (j = i * i; j <= n; j += i) composite[j] = 1
        }
        zeta = 0
        for (k = 1; k <= n; k++) zeta += 1 / (k * k)
        printf "%d/%d/%.9f\n", count, sum, zeta
    }'
}

part_sha256() {
    make_data
    n=4
    while [ "$n" -gt 0 ]; do
        r=$($BB sha256sum <"$work/data")
        n=$((n - 1))
    done
    echo "$r" | $BB cut -c1-12
}

part_md5() {
    make_data
    n=8
    while [ "$n" -gt 0 ]; do
        r=$($BB md5sum <"$work/data")
        n=$((n - 1))
    done
    echo "$r" | $BB cut -c1-12
}

# From standard input, so the gzip header holds no file name or time.
part_gzip() {
    make_data
    $BB gzip -6 -c <"$work/data" | checksum
}

part_gunzip() {
    make_data_gz
    n=3
    while [ "$n" -gt 0 ]; do
        r=$($BB gunzip -c <"$work/data.gz" | checksum)
        n=$((n - 1))
    done
    echo "$r"
}

part_sort() {
    make_data
    $BB sort -k3,3 -k2,2r "$work/data" | checksum
}

part_sed() {
    make_data
    $BB sed -e 's/^\([0-9]*\) \([0-9a-f]*\)/\2:\1/' -e '/golf/d' -e 's/a/A/g' "$work/data" |
        checksum
}

case $name in
all) parts=$all_parts ;;
none) parts= ;;
*) parts=$name ;;
esac

# Untimed preparation for the parts that read the data files.
for p in $parts; do
    case $p in
    gunzip) make_data_gz ;;
    sha256 | md5 | gzip | sort | sed) make_data ;;
    esac
done

echo "GUEST-BENCH-START $name $scale"
start=$(uptime_cs)
for p in $parts; do
    t0=$(uptime_cs)
    result=$(part_"$p") || result=FAILED
    echo "GUEST-BENCH-PART $p $(seconds_since "$t0") ${result:-FAILED}"
done
echo "GUEST-BENCH-DONE $name $(seconds_since "$start")"
