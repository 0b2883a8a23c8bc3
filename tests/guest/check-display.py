#!/usr/bin/env python3
"""tests/guest/check-display.py: the screen vireo renders against QEMU's, the independent
reference. Each case runs under qemu-system-x86_64 (TCG, "-vga std", the same adapter) and under
vireo, takes "screendump FILE.png" through each one's monitor once the picture is complete, and
compares the two PNGs (read by tests/fixture/png.py, not by vireo's writer): same size, and
every pixel within 3 of the other per channel (the VGA DAC's 6-bit values are widened to 8 bits
by each emulator in its own way). The picture must not be blank.

Cases: the pictures of tests/guest/hw/vga32.c (vbe32, vbe16, vbe8, vga13, vga12: the guest
prints DISPLAY-READY when done), and bios-text: SeaBIOS and its VGA BIOS in text mode with a
blank disk, taken once SeaBIOS logs "No bootable device" on its debug port. In text mode the
cursor blinks, so the pixels of one character cell may differ (the cursor's lines), no others.

Usage: check-display.py VIREO GUEST_ELF CASE... Exit 0 when every case matches, 77 when QEMU is
missing (a CTest skip; CI=true makes that a failure).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixture"))
import png  # noqa: E402
from screen import screendump, wait_for  # noqa: E402

TOLERANCE = 3
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")


def run(emulator, args, log, ready, sock, shot, tmp):
    out = open(os.path.join(tmp, os.path.basename(emulator) + ".out"), "w")
    proc = subprocess.Popen([emulator] + args, stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT)
    try:
        if not wait_for(log, ready, proc):
            raise RuntimeError("%s: no %r in %s" % (emulator, ready, log))
        time.sleep(0.5)
        screendump(sock, shot)
    finally:
        proc.kill()
        proc.wait()
        out.close()


def case_args(case, guest, tmp, log, sock, is_qemu):
    common = ["-m", "128", "-monitor", "unix:%s,server,nowait" % sock]
    if is_qemu:
        common += ["-accel", "tcg", "-nodefaults", "-vga", "std", "-display", "none"]
    else:
        common += ["-serial", "none", "-display", "none"]
    if case == "bios-text":
        blank = os.path.join(tmp, "blank.img")
        with open(blank, "wb") as f:
            f.truncate(1 << 20)
        return common + ["-drive", "file=%s,format=raw,if=ide,index=0,media=disk" % blank,
                         "-boot", "c", "-chardev", "file,id=bios,path=%s" % log,
                         "-device", "isa-debugcon,iobase=0x402,chardev=bios"], "No bootable device"
    return common + ["-kernel", guest, "-append", case, "-debugcon", "file:%s" % log], \
        "DISPLAY-READY"


def compare(case, a, b):
    wa, ha, pa = png.read(a)
    wb, hb, pb = png.read(b)
    if (wa, ha) != (wb, hb):
        return "size %dx%d, QEMU's %dx%d" % (wa, ha, wb, hb)
    bad = [(x, y) for y in range(ha) for x in range(wa)
           if max(abs(p - q) for p, q in zip(pa[y][x], pb[y][x])) > TOLERANCE]
    lit = sum(1 for row in pa for p in row if p != (0, 0, 0))
    if lit < wa * ha // 100:
        return "the picture is blank (%d lit pixels)" % lit
    if case == "bios-text" and bad:
        cells = {(x // 9, y // 16) for x, y in bad}
        if len(cells) == 1:
            bad = []
    if bad:
        x, y = bad[0]
        return "%d pixels differ, first at (%d, %d): %s, QEMU %s" % (
            len(bad), x, y, pa[y][x], pb[y][x])
    return None


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    vireo, guest, cases = sys.argv[1], sys.argv[2], sys.argv[3:]
    if not shutil.which(QEMU):
        if os.environ.get("CI") == "true":
            print("FAIL: %s not found (CI=true: the reference run is required)" % QEMU)
            return 1
        print("SKIP: %s not found" % QEMU)
        return 77
    failed = 0
    for case in cases:
        tmp = tempfile.mkdtemp(prefix="vireo-display-")
        try:
            shots = []
            for emulator, is_qemu in ((QEMU, True), (vireo, False)):
                name = "qemu" if is_qemu else "vireo"
                log, sock = os.path.join(tmp, name + ".log"), os.path.join(tmp, name + ".sock")
                shot = os.path.join(tmp, name + ".png")
                args, ready = case_args(case, guest, tmp, log, sock, is_qemu)
                run(emulator, args, log, ready, sock, shot, tmp)
                shots.append(shot)
            problem = compare(case, shots[1], shots[0])
        except (RuntimeError, png.PngError, OSError) as e:
            problem = str(e)
        if problem:
            failed += 1
            print("FAIL %s: %s" % (case, problem))
            keep = os.environ.get("VIREO_KEEP_SCREENS")
            if keep:
                for f in ("qemu.png", "vireo.png"):
                    if os.path.exists(os.path.join(tmp, f)):
                        shutil.copy(os.path.join(tmp, f), os.path.join(keep, case + "-" + f))
        else:
            w, h, _ = png.read(shots[1])
            print("ok   %s: %dx%d, every pixel as QEMU's" % (case, w, h))
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (len(cases) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
