#!/usr/bin/env python3
"""tests/boot/check-boot-framebuffer.py: a kernel booted with -kernel (no firmware, so no VGA
BIOS and no text mode) finds the screen as the VESA linear framebuffer that vireo's loader
describes in boot_params.screen_info, and its framebuffer console draws there: with
console=tty0 (and the serial console last, where the guest's /init prints GUEST-BOOT-OK), the
kernel log says vesafb took a 1024x768x32 framebuffer at FD000000h, and the screendump is a
1024x768 picture with text on it (lit pixels in at least 40 of the 48 text rows of 16 lines).

Usage: check-boot-framebuffer.py VIREO GUEST_DIR WORK_DIR
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixture"))
import png  # noqa: E402
from checks import Checks  # noqa: E402
from screen import monitor, screendump, wait_for  # noqa: E402


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    vireo, guest, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    serial, sock = os.path.join(work, "serial.log"), os.path.join(work, "monitor.sock")
    shot = os.path.join(work, "screen.png")
    for f in (serial, sock, shot):
        if os.path.exists(f):
            os.unlink(f)
    c = Checks()
    vm = subprocess.Popen([vireo, "-m", "512", "-kernel", os.path.join(guest, "bzImage"),
                           "-initrd", os.path.join(guest, "initramfs.gz"),
                           "-append", "console=tty0 console=ttyS0 panic=-1",
                           "-display", "none", "-serial", "file:" + serial,
                           "-monitor", "unix:%s,server,nowait" % sock],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    try:
        c.check(wait_for(serial, "GUEST-BOOT-OK", vm, 400), "the guest booted (GUEST-BOOT-OK)")
        log = open(serial, errors="replace").read()
        c.check("vesafb: mode is 1024x768x32" in log, "vesafb found the 1024x768x32 mode")
        c.check("vesafb: framebuffer at 0xfd000000" in log, "at the BAR placed for it")
        screendump(sock, shot)
        w, h, rows = png.read(shot)
        c.check((w, h) == (1024, 768), "the screen is 1024x768 (%dx%d)" % (w, h))
        text_rows = sum(1 for r in range(h // 16)
                        if any(p != (0, 0, 0) for y in range(16 * r, 16 * r + 16)
                               for p in rows[y]))
        c.check(text_rows >= 40, "text on %d of %d rows" % (text_rows, h // 16))
        monitor(sock, "quit")
        vm.wait(timeout=30)
    finally:
        if vm.poll() is None:
            vm.kill()
            vm.wait()
    c.finish("framebuffer")


if __name__ == "__main__":
    sys.exit(main())
