#!/usr/bin/env python3
"""tests/boot/check-sdl-window.py: vireo's SDL window under a virtual X server (Xvfb), booting
the guest ISO (SeaBIOS -> GRUB -> Linux) with its shell on the VGA console (console=tty0):

- the window opens (xdotool finds it) and, once Linux runs, shows the guest's screen: a
  screenshot of the window (xwd, read here) equals vireo's own screendump taken right after, but
  for the cell of the blinking cursor, and is not blank;
- keys typed into the window (xdotool, through the X server's XTEST) reach the guest shell:
  "echo TYPED-$((6*7)) >/dev/ttyS0" makes TYPED-42 appear on the serial port, which needs
  shifted characters too;
- "poweroff -f" typed the same way ends vireo with status 0.

Usage: check-sdl-window.py VIREO GUEST_DIR MAKE_ISO_SCRIPT WORK_DIR
"""
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixture"))
import png  # noqa: E402
from screen import screendump, wait_for  # noqa: E402

CMDLINE = "console=ttyS0 console=tty0 panic=-1"


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def read_xwd(path):
    """An X window dump (X11 XWDFile.h: a 100-byte header of 25 big-endian words, the window
    name, the colormap, then ZPixmap rows). Returns (width, height, rows of (r, g, b))."""
    data = open(path, "rb").read()
    h = struct.unpack(">25I", data[:100])
    header_size, version, fmt, depth, width, height = h[:6]
    byte_order, bpp, bytes_per_line = h[7], h[11], h[12]
    masks, ncolors = h[14:17], h[19]
    if version != 7 or fmt != 2 or bpp != 32:
        fail("%s: an XWD image of version %d, format %d, %d bits a pixel" % (path, version, fmt, bpp))
    pos = header_size + 12 * ncolors
    order = "<" if byte_order == 0 else ">"
    shifts = [(m & -m).bit_length() - 1 for m in masks]
    rows = []
    for y in range(height):
        line = data[pos + y * bytes_per_line:pos + y * bytes_per_line + 4 * width]
        px = struct.unpack(order + "%dI" % width, line)
        rows.append([tuple((p & m) >> s for m, s in zip(masks, shifts)) for p in px])
    return width, height, rows


def wait_on(path, text, proc, timeout):
    try:
        return wait_for(path, text, proc, timeout)
    except RuntimeError as e:
        fail(str(e))


def free_display():
    for n in range(90, 140):
        if not os.path.exists("/tmp/.X%d-lock" % n) and \
                not os.path.exists("/tmp/.X11-unix/X%d" % n):
            return n
    fail("no free X display number")


def xdotool(env, *args, timeout=30):
    return subprocess.run(["xdotool"] + list(args), env=env, capture_output=True, text=True,
                          timeout=timeout)


def type_line(env, wid, text):
    xdotool(env, "windowfocus", "--sync", wid)
    xdotool(env, "type", "--delay", "40", text)
    xdotool(env, "key", "Return")


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    vireo, guest, make_iso, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    iso = os.path.join(work, "guest-tty0.iso")
    if not os.path.exists(iso):
        r = subprocess.run(["bash", make_iso, guest, iso, CMDLINE], capture_output=True, text=True)
        if r.returncode != 0:
            fail("make-guest-iso.sh: %s" % r.stderr.strip()[-300:])
    n = free_display()
    xvfb = subprocess.Popen(["Xvfb", ":%d" % n, "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DISPLAY=":%d" % n)
    serial, sock = os.path.join(work, "serial.log"), os.path.join(work, "monitor.sock")
    for f in (serial, sock):
        if os.path.exists(f):
            os.unlink(f)
    vm = None
    try:
        deadline = time.time() + 20
        while not os.path.exists("/tmp/.X11-unix/X%d" % n):
            if time.time() > deadline or xvfb.poll() is not None:
                fail("Xvfb did not start on :%d" % n)
            time.sleep(0.1)
        vm = subprocess.Popen([vireo, "-m", "512", "-cdrom", iso, "-display", "sdl",
                               "-serial", "file:" + serial,
                               "-monitor", "unix:%s,server,nowait" % sock],
                              env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(work, "vireo.err"), "w"))
        r = xdotool(env, "search", "--sync", "--name", "^vireo", timeout=30)
        wid = r.stdout.split()[0] if r.returncode == 0 and r.stdout.split() else None
        if not wid:
            fail("no vireo window on :%d" % n)
        print("ok   the window opened (X window %s)" % wid)
        if not wait_on(serial, "Run /init as init process", vm, 400):
            fail("Linux did not reach /init")
        typed = False
        for _ in range(30):
            type_line(env, wid, "echo TYPED-$((6*7)) >/dev/ttyS0")
            if wait_on(serial, "TYPED-42", vm, 4):
                typed = True
                break
        if not typed:
            fail("typed keys never reached the shell (no TYPED-42 on the serial port)")
        print("ok   typed keys reached the guest shell: TYPED-42")
        time.sleep(1)
        shot = os.path.join(work, "window.xwd")
        with open(shot, "wb") as f:
            subprocess.run(["xwd", "-silent", "-id", wid], env=env, stdout=f, check=True)
        dump = os.path.join(work, "screendump.png")
        screendump(sock, dump)
        ww, wh, win = read_xwd(shot)
        sw, sh, scr = png.read(dump)
        if (ww, wh) != (sw, sh):
            fail("window %dx%d, screen %dx%d" % (ww, wh, sw, sh))
        bad = [(x, y) for y in range(sh) for x in range(sw) if win[y][x] != scr[y][x]]
        cells = {(x // 9, y // 16) for x, y in bad}
        lit = sum(1 for row in win for p in row if p != (0, 0, 0))
        if len(cells) > 1:
            x, y = bad[0]
            fail("the window differs from the screen in %d pixels, first (%d, %d): %s vs %s" %
                 (len(bad), x, y, win[y][x], scr[y][x]))
        if lit < sw * sh // 200:
            fail("the window is blank (%d lit pixels)" % lit)
        print("ok   the window shows the guest's screen: %dx%d, %d lit pixels" % (ww, wh, lit))
        type_line(env, wid, "poweroff -f")
        try:
            status = vm.wait(timeout=60)
        except subprocess.TimeoutExpired:
            fail("poweroff -f typed in the window did not end vireo")
        if status != 0:
            fail("vireo ended with status %d after poweroff -f" % status)
        print("ok   poweroff -f typed in the window ended vireo with status 0")
        return 0
    finally:
        if vm and vm.poll() is None:
            vm.kill()
            vm.wait()
        xvfb.kill()
        xvfb.wait()


if __name__ == "__main__":
    sys.exit(main())
