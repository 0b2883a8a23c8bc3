#!/usr/bin/env python3
"""bench/firmware-boot.py: the boot through the firmware, vireo and QEMU's TCG side by side.

Usage: bench/firmware-boot.py [--vireo PATH] [--qemu CMD] [--guest DIR] [--iso PATH] [--runs N]

Boots the default guest the way real firmware does (SeaBIOS -> the CD -> GRUB -> Linux): an
El Torito ISO of guest/ made by the team's make-guest-iso.sh (../shared/guests) with bench=none
on its kernel command line, or --iso. For each emulator it measures the wall time from start
to GUEST-BOOT-OK on the serial console and until it exits after the guest's power-off, and
prints them with the ratio vireo/QEMU. This is a benchmark, not a test.
"""
import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ISO_SCRIPT = os.path.join(os.path.dirname(REPO), "shared", "guests", "make-guest-iso.sh")


def load_linux_boot():
    spec = importlib.util.spec_from_file_location(
        "linux_boot", os.path.join(REPO, "bench", "linux-boot.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vireo", default=os.path.join(REPO, "build", "vireo"))
    ap.add_argument("--qemu", default="qemu-system-x86_64 -accel tcg -no-reboot")
    ap.add_argument("--guest", default=os.path.join(REPO, "guest"))
    ap.add_argument("--iso")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=900)
    args = ap.parse_args()
    lb = load_linux_boot()
    with tempfile.TemporaryDirectory() as tmp:
        iso = args.iso
        if not iso:
            iso = os.path.join(tmp, "guest.iso")
            subprocess.run(["bash", ISO_SCRIPT, args.guest, iso,
                            "console=ttyS0 panic=-1 quiet bench=none"], check=True,
                           stdout=subprocess.DEVNULL)
        common = ["-m", "512", "-nographic", "-cdrom", iso]
        results = {
            "vireo": lb.best([lb.run_emulator([args.vireo] + common, args.timeout)
                              for _ in range(args.runs)]),
            "qemu": lb.best([lb.run_emulator(args.qemu.split() + common, args.timeout)
                             for _ in range(args.runs)]),
        }
    v, q = results["vireo"], results["qemu"]
    print(f"{'':10} {'vireo s':>9} {'qemu s':>9} {'v/qemu':>7}")
    print(f"{'boot':10} {v[0] or 0:9.2f} {q[0] or 0:9.2f} {lb.ratio(v[0], q[0]):>7}")
    print(f"{'total':10} {v[2]:9.2f} {q[2]:9.2f} {lb.ratio(v[2], q[2]):>7}")
    for who in ("vireo", "qemu"):
        if results[who][0] is None:
            print(f"note: {who} never printed GUEST-BOOT-OK")
        if results[who][3] != 0:
            print(f"note: {who} exited with status {results[who][3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
