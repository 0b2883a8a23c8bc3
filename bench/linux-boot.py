#!/usr/bin/env python3
"""bench/linux-boot.py: the default Linux guest under vireo and under QEMU's TCG, side by side.

Usage: bench/linux-boot.py [--vireo PATH] [--qemu CMD] [--guest DIR] [--bench NAME]
                           [--scale PCT] [--runs N]

For each emulator (and natively, with the guest's own busybox binary running the same
bench/guest-bench.sh) it measures:
  boot     wall time from start to the GUEST-BOOT-OK line on the serial console
  <part>   each GUEST-BENCH-PART's seconds (the guest's /proc/uptime: virtual time, which for a
           real-time clock is wall time)
  total    wall time from start until the emulator exits after powering off
and prints one table with the ratios vireo/QEMU and vireo/native. A part whose checksum
differs from the native run is marked "MISMATCH": an emulation bug, whatever the speed.
The best of --runs runs (default 1) is reported. This is a benchmark, not a test: it asserts
nothing about speed.
"""
import argparse
import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_emulator(cmd, timeout):
    """Runs cmd, timestamping console lines. Returns (boot_s, parts, total_s, status)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    boot = None
    parts = {}
    for raw in proc.stdout:
        line = raw.decode("utf-8", "replace").strip()
        if boot is None and "GUEST-BOOT-OK" in line:
            boot = time.monotonic() - start
        m = re.search(r"GUEST-BENCH-PART (\S+) (\S+) (\S+)", line)
        if m:
            parts[m.group(1)] = (float(m.group(2)), m.group(3))
        if time.monotonic() - start > timeout:
            proc.kill()
            break
    status = proc.wait()
    return boot, parts, time.monotonic() - start, status


def run_native(guest, bench, scale):
    env = dict(os.environ, BB=os.path.join(guest, "busybox"))
    start = time.monotonic()
    out = subprocess.run([os.path.join(guest, "busybox"), "sh",
                          os.path.join(guest, "guest-bench.sh"), bench, str(scale)],
                         env=env, capture_output=True, text=True, check=False).stdout
    total = time.monotonic() - start
    parts = {}
    for m in re.finditer(r"GUEST-BENCH-PART (\S+) (\S+) (\S+)", out):
        parts[m.group(1)] = (float(m.group(2)), m.group(3))
    return None, parts, total, 0


def best(runs):
    """The run with the smallest total, keeping its numbers together."""
    return min(runs, key=lambda r: r[2])


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vireo", default=os.path.join(REPO, "build", "vireo"))
    ap.add_argument("--qemu", default="qemu-system-x86_64 -accel tcg -no-reboot")
    ap.add_argument("--guest", default=os.path.join(REPO, "guest"))
    ap.add_argument("--bench", default="all")
    ap.add_argument("--scale", type=int, default=100)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=3600)
    args = ap.parse_args()

    append = f"console=ttyS0 panic=-1 bench={args.bench} benchscale={args.scale}"
    common = ["-m", "512", "-nographic", "-kernel", os.path.join(args.guest, "bzImage"),
              "-initrd", os.path.join(args.guest, "initramfs.gz"), "-append", append]
    results = {
        "vireo": best([run_emulator([args.vireo] + common, args.timeout)
                       for _ in range(args.runs)]),
        "qemu": best([run_emulator(args.qemu.split() + common, args.timeout)
                      for _ in range(args.runs)]),
        "native": best([run_native(args.guest, args.bench, args.scale)
                        for _ in range(args.runs)]),
    }
    native_parts = results["native"][1]
    names = list(native_parts) or sorted(results["vireo"][1])
    print(f"{'':10} {'vireo s':>9} {'qemu s':>9} {'native s':>9} {'v/qemu':>7} {'v/native':>9}")
    v, q, n = results["vireo"], results["qemu"], results["native"]
    print(f"{'boot':10} {v[0] or 0:9.2f} {q[0] or 0:9.2f} {'-':>9} {ratio(v[0], q[0]):>7} {'-':>9}")
    for name in names:
        row = []
        for who in ("vireo", "qemu", "native"):
            part = results[who][1].get(name)
            row.append(part[0] if part else None)
        mark = ""
        for who in ("vireo", "qemu"):
            part = results[who][1].get(name)
            if part and name in native_parts and part[1] != native_parts[name][1]:
                mark += f" {who.upper()}-MISMATCH"
        cells = " ".join(f"{x:9.2f}" if x is not None else f"{'-':>9}" for x in row)
        print(f"{name:10} {cells} {ratio(row[0], row[1]):>7} {ratio(row[0], row[2]):>9}{mark}")
    print(f"{'total':10} {v[2]:9.2f} {q[2]:9.2f} {n[2]:9.2f} {ratio(v[2], q[2]):>7} "
          f"{ratio(v[2], n[2]):>9}")
    for who in ("vireo", "qemu"):
        if results[who][3] != 0:
            print(f"note: {who} exited with status {results[who][3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
