#!/usr/bin/env python3
"""Debian's gdb against a bare-metal guest with symbols (tests/guest/debug/gdb_target.c).

Usage: check-gdb-guest.py VIREO IMAGE.elf SYMBOLS.elf WORK_DIR x86-64|i386

x86-64: gdb reads the symbols from the ELF64 link of the 64-bit guest (vireo boots its ELF32
copy); i386: the 32-bit guest, with -gdb ...,arch=i386. gdb breaks on debug_inner by name (a
software breakpoint, Z0), stops again at a breakpoint on the next line, inside the block the
CPU has already run (so it must leave the block path for single instructions), walks the stack (bt: the call chain of the source, debug_inner <-
debug_outer <- guest_main), shows the system registers in "info registers" (x86-64: CR0.PG/PE
and EFER.LMA set, as rt/entry64.asm enters long mode; i386: CR0.PE, the loader's protected
mode, and the 32-bit names eip/eax), finishes
debug_inner (its value, 126, follows from the source) and lets the guest run to its exit,
which gdb hears as the process exiting (vireo's exit status 1 = guest exit code 0).
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixture"))
import gdb_session  # noqa: E402
from checks import Checks, elf_symbol  # noqa: E402

SCRIPT = """set pagination off
set confirm off
target remote 127.0.0.1:{port}
break debug_inner
continue
printf "BREAK-AT %#lx\\n", $pc
bt
info registers
tbreak +1
continue
printf "MID-BLOCK-AT %#lx\\n", $pc
finish
continue
"""

checks = Checks()
check = checks.check


def main():
    if len(sys.argv) != 6 or sys.argv[5] not in ("x86-64", "i386"):
        raise SystemExit(__doc__)
    vireo, image, symbols, work, arch = sys.argv[1:]
    is_i386 = arch == "i386"
    args = [vireo, "-nographic", "-debugcon", "stdio", "-device",
            "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", image]
    out, status, console = gdb_session.run_session(
        args, SCRIPT, work, "gdb-" + arch, gdb_args=[symbols], timeout=120,
        gdb_props=",arch=i386" if is_i386 else "")
    print(out)
    at = re.search(r"BREAK-AT (0x[0-9a-f]+)", out)
    check(at is not None and int(at.group(1), 16) == elf_symbol(symbols, "debug_inner"),
          "break debug_inner stops at the symbol's address (nm)")
    mid = re.search(r"MID-BLOCK-AT (0x[0-9a-f]+)", out)
    check("Temporary breakpoint 2, debug_inner" in out and mid is not None and at is not None
          and int(mid.group(1), 16) > int(at.group(1), 16),
          "a breakpoint inside the block already run stops there (tbreak +1)")
    frames = re.findall(r"^#(\d+)\s+(?:0x[0-9a-f]+ in )?(\w+) \(", out, re.M)
    names = [f[1] for f in frames]
    check(names[:3] == ["debug_inner", "debug_outer", "guest_main"],
          "bt walks debug_inner <- debug_outer <- guest_main (got %s)" % names[:4])
    regs = dict(re.findall(r"^(cr0|cr3|efer|eip|rip|eax|rax)\s+(0x[0-9a-f]+)", out, re.M))
    check({"cr0", "cr3", "efer"} <= set(regs), "info registers shows cr0, cr3 and efer")
    pc_name, ax_name = ("eip", "eax") if is_i386 else ("rip", "rax")
    check(pc_name in regs and ax_name in regs, "info registers names %s and %s" % (pc_name, ax_name))
    if "cr0" in regs and "efer" in regs:
        if is_i386:
            check(int(regs["cr0"], 16) & 1 == 1, "CR0.PE set")
        else:
            check(int(regs["cr0"], 16) & 0x80000001 == 0x80000001, "CR0.PG and CR0.PE set")
            check(int(regs["efer"], 16) & 0x500 == 0x500, "EFER.LME and EFER.LMA set")
    check(re.search(r"^debug_outer \(.*\n.*\nValue returned is \$1 = 126$", out, re.M)
          is not None, "finish returns 126 to debug_outer")
    check(re.search(r"\[Inferior 1 \(.*\) exited with code 01\]", out) is not None,
          "gdb hears the guest's exit")
    check("debug_outer returned 133" in console and status == 1,
          "the guest ran to its end (console and exit status %d)" % status)
    checks.finish("gdb")


if __name__ == "__main__":
    main()
