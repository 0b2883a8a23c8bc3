#!/usr/bin/env python3
"""The monitor on a Unix socket and on TCP, against a guest whose page tables are known.

Usage: check-monitor.py VIREO IMAGE.elf IMAGE.elf64 WORK_DIR

tests/guest/debug/c64_monitor.c maps three 4 KiB pages at 0x8000000000 with known rights on
top of rt/entry64.asm's 4 GiB identity map of 2 MiB supervisor pages, prints the probe page's
physical address and halts. The expectations come from that source: info mem and info tlb list
those mappings with those rights; x through the mappings and xp at the physical address read
the same bytes, the probe text; an unmapped page is refused; x/i at RIP names the instruction
GNU objdump finds there; stop, cont, info status, log, system_reset (the guest starts again)
and quit behave as their names say.
"""
import os
import re
import select
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixture"))
from checks import Checks  # noqa: E402
import gdb_session  # noqa: E402

PROMPT = b"(vireo) "
checks = Checks()
check = checks.check


class Console:
    """vireo's stdout (the debug console), read without blocking."""

    def __init__(self, proc):
        self.proc = proc
        self.text = ""

    def wait_for(self, pattern, count=1, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = re.findall(pattern, self.text)
            if len(found) >= count:
                return found
            r, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                self.text += chunk.decode("latin-1")
        return re.findall(pattern, self.text)


class Monitor:
    def __init__(self, sock):
        self.sock = sock
        self.banner = self.read_prompt()

    def read_prompt(self, timeout=20):
        buf = b""
        deadline = time.time() + timeout
        while not buf.endswith(PROMPT) and time.time() < deadline:
            r, _, _ = select.select([self.sock], [], [], 0.5)
            if r:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
        return buf[:-len(PROMPT)].decode("latin-1") if buf.endswith(PROMPT) else None

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        return self.read_prompt()


def connect_unix(path, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.1)
    raise SystemExit("no monitor socket at " + path)


def objdump_mnemonic(image64, addr):
    out = subprocess.run(["objdump", "-d", "-M", "intel", "--start-address=%#x" % addr,
                          "--stop-address=%#x" % (addr + 16), image64], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"^\s+[0-9a-f]+:\t(?:[0-9a-f]{2} )+\s*\t(\S+)", out, re.M)
    return m.group(1) if m else None


def unix_session(vireo, image, image64, work):
    path = os.path.join(work, "monitor.sock")
    if os.path.exists(path):
        os.unlink(path)
    proc = subprocess.Popen([vireo, "-nographic", "-debugcon", "stdio", "-device",
                             "isa-debug-exit,iobase=0xf4,iosize=4", "-monitor",
                             "unix:%s,server,nowait" % path, "-kernel", image],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    console = Console(proc)
    try:
        ready = console.wait_for(r"MONITOR-READY pa=(0x[0-9a-f]+)\r?\n")  # the whole line
        check(len(ready) == 1, "the guest set up its mappings")
        if not ready:
            return
        pa = int(ready[0], 16)
        mon = Monitor(connect_unix(path))
        check(mon.banner is not None and "help" in mon.banner, "banner and prompt")
        check(mon.cmd("info status").strip() == "VM status: running", "info status: running")

        mem = mon.cmd("info mem")
        want = ["0000000000000000-0000000100000000 0000000100000000 -rwx",
                "0000008000000000-0000008000001000 0000000000001000 urwx",
                "0000008000001000-0000008000002000 0000000000001000 ur-x",
                "0000008000002000-0000008000003000 0000000000001000 urw-"]
        check(mem is not None and mem.split() == " ".join(want).split(),
              "info mem: the identity map and the three probe pages (got %r)" % (mem or "")[:400])
        tlb = mon.cmd("info tlb") or ""
        big = re.findall(r"^([0-9a-f]{16}): ([0-9a-f]{16}) 2M -rwx ", tlb, re.M)
        check(len(big) == 2048 and all(a == b for a, b in big),
              "info tlb: 2048 identity 2 MiB pages (%d)" % len(big))
        for va, rights in ((0x8000000000, "urwx"), (0x8000001000, "ur-x"),
                           (0x8000002000, "urw-")):
            check(re.search(r"^%016x: %016x 4K %s " % (va, pa, rights), tlb, re.M) is not None,
                  "info tlb: %#x -> %#x %s" % (va, pa, rights))

        text = "VIREO-MONITOR-PROBE"
        x_chars = "".join(re.findall(r"'(.)'", mon.cmd("x /19c 0x8000000000") or ""))
        check(x_chars == text, "x reads the probe text (%r)" % x_chars)
        xp_chars = "".join(re.findall(r"'(.)'", mon.cmd("xp /19c %#x" % pa) or ""))
        check(xp_chars == text, "xp reads it at the physical address (%r)" % xp_chars)
        a = (mon.cmd("x /2xg 0x8000002000") or "").split(":")[-1]
        b = (mon.cmd("xp /2xg %#x" % pa) or "").split(":")[-1]
        check(a.strip() != "" and a == b, "x through another mapping equals xp")
        check("cannot access virtual memory at 0x8000003000" in
              (mon.cmd("x /1xw 0x8000003000") or ""), "x of an unmapped page is refused")
        regs = mon.cmd("info registers") or ""
        rip = re.search(r"rip=([0-9a-f]{16})", regs)
        dis = mon.cmd("x /1i $pc") or ""
        want_mn = objdump_mnemonic(image64, int(rip.group(1), 16)) if rip else None
        got = re.search(r"^\s+([0-9a-f]{16}): (\S+)", dis, re.M)
        check(want_mn is not None and got is not None and got.group(2) == want_mn and
              int(got.group(1), 16) == int(rip.group(1), 16),
              "x/i $pc names objdump's instruction (%s vs %s)" % (got and got.group(2), want_mn))

        mon.cmd("stop")
        check(mon.cmd("info status").strip() == "VM status: paused", "stop pauses")
        mon.cmd("cont")
        check(mon.cmd("info status").strip() == "VM status: running", "cont resumes")
        check("unknown item 'bogus'" in (mon.cmd("log bogus") or ""), "log refuses a bad item")
        check("unknown command" in (mon.cmd("frobnicate") or ""), "unknown command")
        check("usage" in (mon.cmd("x /0x 5") or ""), "x with a zero count prints its usage")
        mon.cmd("system_reset")
        check(len(console.wait_for(r"MONITOR-READY pa=0x[0-9a-f]+\r?\n", count=2)) == 2,
              "system_reset starts the guest again")
        mon.sock.sendall(b"quit\n")
        status = proc.wait(timeout=30)
        check(status == 0, "quit ends vireo with status 0 (%d)" % status)
        check(not os.path.exists(path), "the socket file is removed")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def tcp_session(vireo, image):
    port = gdb_session.free_port()
    proc = subprocess.Popen([vireo, "-S", "-nographic", "-monitor",
                             "tcp:127.0.0.1:%d,server,nowait" % port, "-kernel", image],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while not gdb_session.is_listening(port) and time.time() < deadline:
            time.sleep(0.1)
        mon = Monitor(socket.create_connection(("127.0.0.1", port)))
        check(mon.cmd("info status").strip() == "VM status: paused", "TCP monitor; -S pauses")
        check("cannot access physical memory" in (mon.cmd("xp /1xg 0xfee00000") or ""),
              "xp refuses device memory (the local APIC)")
        mon.sock.sendall(b"q\n")
        check(proc.wait(timeout=30) == 0, "q ends vireo")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    vireo, image, image64, work = sys.argv[1:]
    unix_session(vireo, image, image64, work)
    tcp_session(vireo, image)
    checks.finish("monitor")


if __name__ == "__main__":
    main()
