#!/usr/bin/env python3
"""Debian's stock gdb against vireo running the Linux guest (issue: GDB remote stub).

Usage: check-gdb-linux.py VIREO GUEST_DIR TRACE_DIR

1. Boots the guest to its shell with nokaslr and reads the address of the kernel's own copy of
   boot_params from /proc/kallsyms (the Debian kernel ships without a symbol table).
2. Starts vireo -S with -gdb on a free port and -d exec, and drives gdb in batch mode:
   a hardware breakpoint on the decompressed kernel's entry (physical 0x1000000, Linux boot
   protocol with nokaslr) stops there in long mode (CR0.PG/PE, EFER.LME/LMA); memory reads give
   the command line vireo was given, through the boot_params pointer in RSI (boot protocol:
   hdr.cmd_line_ptr at offset 0x228); the monitor through gdb ("monitor info status", "monitor
   info registers"); 100 single steps, traced with "monitor log exec", whose addresses must be
   the 100 exec lines of the trace; a write watchpoint on the kernel's copy of hdr.cmd_line_ptr
   that must report the copy of the pointer read before (the first stop may be the kernel
   clearing .bss, which gdb reports as a change from unreadable to 0);
   Ctrl-C (SIGINT to gdb) interrupts the running guest; detach lets it boot on undisturbed to
   GUEST-BOOT-OK and its power-off (vireo exits 0).
"""
import os
import re
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixture"))
import gdb_session as gdb_session_fixture  # noqa: E402
from checks import Checks  # noqa: E402

APPEND = "console=ttyS0 nokaslr"
checks = Checks()
check = checks.check


def read_until(proc, pattern, timeout, seen):
    """Reads proc's stdout until a line matches pattern; returns the match or None."""
    deadline = time.time() + timeout
    buf = b""
    while time.time() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 1)
        if not r:
            continue
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            return None
        buf += chunk
        seen.append(chunk)
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            m = re.search(pattern, line.decode("latin-1"))
            if m:
                return m
    return None


def kernel_boot_params(vireo, guest):
    proc = subprocess.Popen([vireo, "-m", "512", "-nographic", "-kernel", guest + "/bzImage",
                             "-initrd", guest + "/initramfs.gz", "-append", APPEND],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    seen = []
    try:
        if not read_until(proc, r"GUEST-BOOT-OK", 300, seen):
            raise SystemExit("phase 1: no GUEST-BOOT-OK:\n" + b"".join(seen)[-2000:].decode("latin-1"))
        time.sleep(1)
        proc.stdin.write(b"grep -w boot_params /proc/kallsyms\n")
        proc.stdin.flush()
        m = read_until(proc, r"^([0-9a-f]{16}) [bBdD] boot_params\s*$", 60, seen)
        if not m:
            raise SystemExit("phase 1: boot_params not in /proc/kallsyms")
        proc.stdin.write(b"poweroff -f\n")
        proc.stdin.flush()
        proc.wait(timeout=60)
        return int(m.group(1), 16)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


GDB_SCRIPT = """set pagination off
set confirm off
target remote 127.0.0.1:{port}
hbreak *0x1000000
continue
printf "AT-ENTRY pc=%#lx rsi=%#lx cr0=%#lx efer=%#lx\\n", $pc, $rsi, $cr0, $efer
info registers rip rsi cr0 cr3 efer
printf "CMDLINE-PTR %#x\\n", *(unsigned int *)($rsi + 0x228)
printf "CMDLINE [%s]\\n", (char *)*(unsigned int *)($rsi + 0x228)
delete
monitor info status
monitor log exec
python
for i in range(100):
    print("STEP-FROM %#x" % int(gdb.parse_and_eval("$pc")))
    gdb.execute("stepi", to_string=True)
end
monitor log none
printf "PC-AFTER-STEPS %#lx\\n", $pc
monitor info registers
watch *(unsigned int *){watch:#x}
python
for i in range(5):
    gdb.execute("continue")
    if int(gdb.parse_and_eval("*(unsigned int *){watch:#x}")) != 0:
        break
end
printf "WATCH-STOP pc=%#lx value=%#x\\n", $pc, *(unsigned int *){watch:#x}
delete
python
import os, signal, threading
threading.Timer(3.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
end
continue
printf "INTERRUPTED pc=%#lx\\n", $pc
detach
"""


def gdb_session(vireo, guest, trace_dir, boot_params):
    trace = os.path.join(trace_dir, "gdb-linux-exec.log")
    args = [vireo, "-m", "512", "-nographic", "-kernel", guest + "/bzImage", "-initrd",
            guest + "/initramfs.gz", "-append", APPEND + " bench=none", "-D", trace]
    text = GDB_SCRIPT.replace("{watch:#x}", "%#x" % (boot_params + 0x228))
    out, status, console = gdb_session_fixture.run_session(args, text, trace_dir, "gdb-linux")
    print(out)
    return out, status, console, trace


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    vireo, guest, trace_dir = sys.argv[1:]
    boot_params = kernel_boot_params(vireo, guest)
    print("kernel boot_params at %#x" % boot_params)
    out, status, console, trace = gdb_session(vireo, guest, trace_dir, boot_params)

    m = re.search(r"AT-ENTRY pc=(0x[0-9a-f]+) rsi=(0x[0-9a-f]+) cr0=(0x[0-9a-f]+) "
                  r"efer=(0x[0-9a-f]+)", out)
    check(m is not None and int(m.group(1), 16) == 0x1000000,
          "hardware breakpoint stops at the kernel entry 0x1000000")
    if m:
        check(int(m.group(3), 16) & 0x80000001 == 0x80000001, "CR0.PG and CR0.PE at entry")
        check(int(m.group(4), 16) & 0x500 == 0x500, "EFER.LME and EFER.LMA at entry")
    check(re.search(r"^cr3\s+0x[0-9a-f]+", out, re.M) is not None, "info registers shows cr3")
    check("CMDLINE [%s bench=none]" % APPEND in out,
          "memory read through boot_params gives the command line")
    ptr = re.search(r"CMDLINE-PTR (0x[0-9a-f]+)", out)

    check("VM status: paused" in out, "monitor info status through gdb")
    regs = re.search(r"^rip=([0-9a-f]{16}) rfl=", out, re.M)
    after = re.search(r"PC-AFTER-STEPS (0x[0-9a-f]+)", out)
    check(regs is not None and after is not None and
          int(regs.group(1), 16) == int(after.group(1), 16),
          "monitor info registers shows the RIP gdb reads after the steps")
    steps = [int(x, 16) for x in re.findall(r"STEP-FROM (0x[0-9a-f]+)", out)]
    execs = []
    with open(trace) as f:
        for line in f:
            em = re.match(r"^exec [0-9a-f]{4}:([0-9a-f]{16})$", line.strip())
            if em:
                execs.append(int(em.group(1), 16))
    first = execs.index(0x1000000) if 0x1000000 in execs else -1
    check(len(steps) == 100 and first == 0 and execs == steps,
          "100 single steps match the exec trace (%d steps, %d exec lines)"
          % (len(steps), len(execs)))
    check(len(set(steps)) > 10, "the steps move through the code")

    w = re.search(r"Hardware watchpoint \d+: \*\(unsigned int \*\)(0x[0-9a-f]+)\s+Old value = "
                  r"(\d+)\s+New value = ([1-9]\d*)", out)
    check(w is not None and int(w.group(1), 16) == boot_params + 0x228,
          "the write watchpoint on boot_params.hdr.cmd_line_ptr triggers")
    if w and ptr:
        check(int(w.group(2)) == 0 and int(w.group(3)) == int(ptr.group(1), 16),
              "it reports the copy of cmd_line_ptr (old 0, new %s)" % ptr.group(1))
    check(re.search(r"WATCH-STOP pc=0xffffffff8[0-9a-f]+", out) is not None,
          "the watchpoint stops in the kernel's text after the writing instruction")
    check("Program received signal SIGINT" in out and "INTERRUPTED pc=" in out,
          "Ctrl-C interrupts the running guest")
    check("detached" in out, "gdb detaches")
    check("GUEST-BOOT-OK" in console and status == 0,
          "after the detach the guest boots on and powers off (vireo status %d)" % status)
    checks.finish("gdb")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
