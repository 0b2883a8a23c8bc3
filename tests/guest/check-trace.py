#!/usr/bin/env python3
"""Checks vireo's -d exec,cpu,in_asm,int log against references that are not vireo.

Usage: check-trace.py VIREO HELLO_ELF EXCEPTIONS_ELF

- asm32_hello.elf runs with -d exec,cpu,in_asm. The first block starts at the ELF entry
  (readelf); every instruction an in_asm block lists starts where GNU objdump (an independent
  decoder) finds an instruction, and each block ends on one of objdump's boundaries; every exec
  line names a block that in_asm listed before it; each cpu dump's RIP is its block's address,
  and the first one holds EAX = 0x2BADB002 (Multiboot 0.6.96 section 3.2). The first message loop
  (LODSB/OUT/LOOP over 'PASS multiboot-magic\\n', 21 bytes) enters its own block 20 times
  (the first byte goes out in the block before it).
- cpu_exceptions32.elf runs with -d int. Its two page faults (tests/guest/cpu/exceptions32.c)
  appear with vector 0x0e, error code 0 and 2 (SDM Vol. 3A section 4.7: W/R bit), the faulting
  instruction's address from the symbol table (pf_at, pf_w_at) and the CR2 values the guest
  touches.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixture"))
from checks import Checks, elf_symbol  # noqa: E402

checks = Checks()
check = checks.check


def run_vireo(vireo, image, items):
    fd, log = tempfile.mkstemp(prefix="vireo-trace-")
    os.close(fd)
    try:
        proc = subprocess.run(
            [vireo, "-nographic", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
             "-d", items, "-D", log, "-kernel", image],
            stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=60)
        with open(log) as f:
            return proc.returncode, f.read().splitlines()
    finally:
        os.unlink(log)


def objdump_boundaries(image):
    """Instruction start and end addresses per GNU objdump's decoder."""
    out = subprocess.run(["objdump", "-d", "-M", "i386", image], check=True,
                         capture_output=True, text=True).stdout
    starts, ends = set(), set()
    last = None
    for line in out.splitlines():
        m = re.match(r"^\s+([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*(\S?)", line)
        if not m:
            continue
        addr, nbytes = int(m.group(1), 16), len(m.group(2).split())
        if m.group(3):
            starts.add(addr)
        else:
            ends.discard(last)  # a long instruction's bytes continue on this line
        last = addr + nbytes
        ends.add(last)
    return starts, ends


def elf_entry(image):
    out = subprocess.run(["readelf", "-h", image], check=True, capture_output=True,
                         text=True).stdout
    return int(re.search(r"Entry point address:\s+(0x[0-9a-f]+)", out).group(1), 16)


def check_exec_trace(vireo, image):
    status, lines = run_vireo(vireo, image, "exec,cpu,in_asm")
    check(status == 1, "hello: exit port status 1 (guest exit 0), got %d" % status)
    starts, ends = objdump_boundaries(image)
    blocks = {}      # start address -> listed instruction addresses
    exec_addrs = []
    cpu_rips = []
    first_eax = None
    unlisted_exec = []
    bad_insn = []
    bad_end = []
    current = None
    for line in lines:
        m = re.match(r"^in_asm [0-9a-f]{4}:([0-9a-f]{16}) \((\d+) bytes\)$", line)
        if m:
            start, size = int(m.group(1), 16), int(m.group(2))
            current = blocks.setdefault(start, [])
            current.clear()
            if start + size not in ends:
                bad_end.append(start)
            continue
        m = re.match(r"^  ([0-9a-f]{16}): \S+", line)
        if m and current is not None:
            addr = int(m.group(1), 16)
            current.append(addr)
            if addr not in starts:
                bad_insn.append(addr)
            continue
        m = re.match(r"^exec [0-9a-f]{4}:([0-9a-f]{16})$", line)
        if m:
            addr = int(m.group(1), 16)
            exec_addrs.append(addr)
            if addr not in blocks:
                unlisted_exec.append(addr)
            continue
        m = re.match(r"^rax=([0-9a-f]{16}) ", line)
        if m and first_eax is None:
            first_eax = int(m.group(1), 16)
        m = re.match(r"^rip=([0-9a-f]{16}) rfl=", line)
        if m:
            cpu_rips.append(int(m.group(1), 16))

    check(len(exec_addrs) > 100, "hello: %d exec lines" % len(exec_addrs))
    check(exec_addrs[:1] == [elf_entry(image)], "hello: first block at the ELF entry")
    check(len(blocks) > 5 and not bad_insn,
          "hello: in_asm instructions start on objdump's boundaries (bad: %s)"
          % [hex(a) for a in bad_insn[:5]])
    check(not bad_end, "hello: in_asm blocks end on objdump's boundaries (bad: %s)"
          % [hex(a) for a in bad_end[:5]])
    check(not unlisted_exec, "hello: every executed block was listed by in_asm first (not: %s)"
          % [hex(a) for a in unlisted_exec[:5]])
    check(cpu_rips == exec_addrs, "hello: one cpu dump per block, RIP = its address")
    check(first_eax == 0x2BADB002, "hello: EAX at entry is the Multiboot magic")
    # The first message loop: the block after the entry's fall-through holds LODSB at its top.
    loop = exec_addrs[2] if len(exec_addrs) > 2 else None
    run = 0
    for addr in exec_addrs[2:]:
        if addr != loop:
            break
        run += 1
    check(run == 20, "hello: the first 21-byte message loop enters its block 20 times (%d)" % run)


def check_int_trace(vireo, image):
    _, lines = run_vireo(vireo, image, "int")
    pf = [l for l in lines if l.startswith("int: vector 0x0e ")]
    want = [
        "int: vector 0x0e fault error 0x0000 at 0008:%016x cpl 0 cr2 %016x"
        % (elf_symbol(image, "pf_at"), 0x40000123),
        "int: vector 0x0e fault error 0x0002 at 0008:%016x cpl 0 cr2 %016x"
        % (elf_symbol(image, "pf_w_at"), 0x7FC00FFE),
    ]
    check(pf == want, "exceptions32: the two page faults logged as %s (got %s)" % (want, pf))
    de = [l for l in lines if l.startswith("int: vector 0x00 fault at 0008:")]
    check(len(de) >= 1, "exceptions32: #DE logged without an error code")


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    vireo, hello, exceptions = sys.argv[1:]
    check_exec_trace(vireo, hello)
    check_int_trace(vireo, exceptions)
    checks.finish("trace")


if __name__ == "__main__":
    main()
