#!/bin/bash
# tests/guest/hw/run-ide.sh: runs tests/guest/hw/ide32.c with a disk and a CD image of known
# patterns (described there), under QEMU (the reference) or vireo, and then checks that the
# sector the guest wrote (100: byte j = (3j + 1) mod 256) is in the disk image, the rest as
# before. With --qcow2 the disk is a qcow2 copy (qemu-img convert), checked afterwards with
# qemu-img check and read back with qemu-img convert. With --snapshot the drive has
# snapshot=on: the guest sees its write, and the image must come out unchanged.
# Usage: run-ide.sh [--vireo PATH] [--qcow2] [--snapshot] IMAGE EXPECT
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
vireo_args=() qcow2=0 snapshot=
while [ $# -gt 2 ]; do
    case $1 in
    --vireo) vireo_args=(--vireo "$2"); shift 2 ;;
    --qcow2) qcow2=1; shift ;;
    --snapshot) snapshot=,snapshot=on; shift ;;
    *) echo "usage: run-ide.sh [--vireo PATH] [--qcow2] IMAGE EXPECT" >&2; exit 2 ;;
    esac
done
image=$1 expect=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
with open(d + "/disk.raw", "wb") as f:
    f.write(bytes((o // 512 * 7 + o % 512) & 0xff for o in range(1 << 20)))
with open(d + "/cd.iso", "wb") as f:
    f.write(bytes((o // 2048 * 13 + (o % 2048) * 3) & 0xff for o in range(64 * 2048)))
PY
disk=$tmp/disk.raw fmt=raw
if [ "$qcow2" = 1 ]; then
    qemu-img convert -f raw -O qcow2 "$tmp/disk.raw" "$tmp/disk.qcow2" || exit 1
    disk=$tmp/disk.qcow2 fmt=qcow2
fi
"$here/run-guest.sh" "${vireo_args[@]}" --exit 0 --expect "$expect" \
    --drive "file=$disk,format=$fmt,if=ide,index=0,media=disk$snapshot" \
    --drive "file=$tmp/cd.iso,format=raw,if=ide,index=2,media=cdrom" "$image"
status=$?
[ "$status" -eq 0 ] || exit "$status"
if [ "$qcow2" = 1 ]; then
    qemu-img check -q "$disk" || { echo "FAIL: qemu-img check found errors"; exit 1; }
    qemu-img convert -f qcow2 -O raw "$disk" "$tmp/after.raw" || exit 1
else
    cp "$disk" "$tmp/after.raw"
fi
python3 - "$tmp/after.raw" "$snapshot" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
want = bytearray((o // 512 * 7 + o % 512) & 0xff for o in range(1 << 20))
if not sys.argv[2]:
    want[100 * 512:101 * 512] = bytes((3 * j + 1) & 0xff for j in range(512))
if data != bytes(want):
    bad = next(i for i in range(len(want)) if i >= len(data) or data[i] != want[i])
    print("FAIL: the disk image differs from the expected one at byte %d" % bad)
    sys.exit(1)
print("ok   the disk image is unchanged" if sys.argv[2] else
      "ok   the disk image holds sector 100 as written, the rest unchanged")
PY
