#!/bin/bash
# vireo-flat-run as a user runs it: a hand-assembled program per mode whose final state follows
# from the SDM by hand, compared with the printed JSON; then bad input, which must give exit
# status 1 and one line on stderr. Usage: test_flat_run.sh PATH/TO/vireo-flat-run
set -u
run=$1
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

# same NAME EXPECTED_FILE ARGS...: run, expect status 0, no stderr and exactly the expected text.
same() {
    local name=$1 want=$2
    shift 2
    "$run" "$@" >"$tmp/out" 2>"$tmp/err"
    local status=$?
    if [ "$status" -ne 0 ] || [ -s "$tmp/err" ]; then
        bad "$name: exit status $status, stderr: $(head -c 300 "$tmp/err")"
    elif ! diff -u "$want" "$tmp/out"; then
        bad "$name: output differs (above)"
    else
        ok "$name"
    fi
}

# error NAME PATTERN ARGS...: exit status 1 and one stderr line matching PATTERN.
error() {
    local name=$1 pattern=$2
    shift 2
    "$run" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local status=$? lines
    lines=$(wc -l <"$tmp/err")
    if [ "$status" -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -qE -- "$pattern" "$tmp/err"; then
        bad "$name: exit status $status, stderr: $(head -c 300 "$tmp/err")"
    else
        ok "$name"
    fi
}

# 64-bit code at 0x10000 (SDM Vol. 2 opcode tables: REX.W = 48):
#   48 b8 imm64          mov rax, 0x8000000000000000
#   48 8b 1c 25 disp32   mov rbx, [0x9000]     ModRM 00 011 100, SIB 00 100 101: disp32 only
#   48 01 d8             add rax, rbx          ModRM 11 011 000
#   48 89 04 25 disp32   mov [0x9008], rax     ModRM 00 000 100, same SIB
#   53 / 59 / f4         push rbx / pop rcx / hlt
# [0x9000] = 0x8000000000000001. ADD: 0x8000000000000000 + 0x8000000000000001 = 1 carry out:
# CF = 1; both operands negative, result positive: OF = 1; SF = ZF = 0; AF = 0 (0 + 1 in the
# low nibble); PF = 0 (low byte 01h has one bit set). RFLAGS = 2 | CF | OF = 0x803 = 2051.
# PUSH writes RBX at 0x7fff8, POP reads it into RCX: RSP back at 0x80000. HLT is the 7th
# instruction at 0x1001f; RIP stops one past it, 0x10020 = 65568.
printf '\x48\xb8\x00\x00\x00\x00\x00\x00\x00\x80\x48\x8b\x1c\x25\x00\x90\x00\x00\x48\x01\xd8'\
'\x48\x89\x04\x25\x08\x90\x00\x00\x53\x59\xf4' >"$tmp/code64.bin"
cat >"$tmp/long64.json" <<'JSON'
{"regs": {"rsp": "0x80000", "rflags": 2, "rdx": 4660},
 "memory": [{"addr": "0x9000", "hex": "0100000000000080"}],
 "load": {"file": "code64.bin", "addr": 65536},
 "dump": [{"addr": "0x9008", "len": 8}, {"addr": "0x7fff8", "len": 8}]}
JSON
cat >"$tmp/long64.want" <<'JSON'
{
  "exit": "halt",
  "insns": 7,
  "regs": {
    "rax": 1,
    "rcx": 9223372036854775809,
    "rdx": 4660,
    "rbx": 9223372036854775809,
    "rsp": 524288,
    "rbp": 0,
    "rsi": 0,
    "rdi": 0,
    "r8": 0,
    "r9": 0,
    "r10": 0,
    "r11": 0,
    "r12": 0,
    "r13": 0,
    "r14": 0,
    "r15": 0,
    "rip": 65568,
    "rflags": 2051
  },
  "memory": [
    {
      "addr": 36872,
      "hex": "0100000000000000"
    },
    {
      "addr": 524280,
      "hex": "0100000000000080"
    }
  ]
}
JSON
same "long64 program" "$tmp/long64.want" --mode long64 "$tmp/long64.json"

# Real mode, CS = 1000h so the code at physical 0x10000 runs from IP 0:
#   b8 34 12   mov ax, 1234h
#   e4 80      in al, 80h      no device: an unassigned port reads all-ones, AL = FFh
#   fe c4      inc ah          AH = 13h; INC leaves CF alone, result 13h: PF = 0 (3 bits),
#                              AF = 0, ZF = SF = OF = 0: FLAGS = 2
#   f4         hlt             IP one past it: 8
# --dump reads the code back; --max-insns above 4 changes nothing.
printf '\xb8\x34\x12\xe4\x80\xfe\xc4\xf4' >"$tmp/code16.bin"
cat >"$tmp/real.json" <<'JSON'
{"regs": {"cs": 4096, "rip": 0, "rflags": "0x2"}, "load": {"file": "code16.bin", "addr": 65536}}
JSON
cat >"$tmp/real.want" <<'JSON'
{
  "exit": "halt",
  "insns": 4,
  "regs": {
    "rax": 5119,
    "rcx": 0,
    "rdx": 0,
    "rbx": 0,
    "rsp": 0,
    "rbp": 0,
    "rsi": 0,
    "rdi": 0,
    "r8": 0,
    "r9": 0,
    "r10": 0,
    "r11": 0,
    "r12": 0,
    "r13": 0,
    "r14": 0,
    "r15": 0,
    "es": 0,
    "cs": 4096,
    "ss": 0,
    "ds": 0,
    "fs": 0,
    "gs": 0,
    "rip": 8,
    "rflags": 2
  },
  "memory": [
    {
      "addr": 65536,
      "hex": "b83412e480fec4f4"
    }
  ]
}
JSON
same "real-mode program" "$tmp/real.want" --mode real --max-insns 10 --dump 0x10000:8 \
    "$tmp/real.json"

# The budget stops a program that never halts (EB FE: jmp to itself).
printf '\xeb\xfe' >"$tmp/loop.bin"
echo '{"load": {"file": "loop.bin", "addr": 65536}}' >"$tmp/loop.json"
"$run" --mode flat32 --max-insns 100 "$tmp/loop.json" >"$tmp/out" 2>"$tmp/err"
if grep -q '"exit": "budget"' "$tmp/out" && grep -q '"insns": 100,' "$tmp/out" \
    && grep -q '"rip": 65536,' "$tmp/out"; then
    ok "budget"
else
    bad "budget: $(head -c 300 "$tmp/out")"
fi

error "missing file" "^vireo-flat-run: $tmp/none.json: No such file or directory\$" "$tmp/none.json"
printf '{"regs": {"rax": 1,}}' >"$tmp/badjson.json"
error "bad JSON" "^vireo-flat-run: $tmp/badjson.json: line 1, column 20: " "$tmp/badjson.json"
echo '{"regs": {"rxx": 1}}' >"$tmp/badreg.json"
error "bad register" "badreg.json: regs.rxx: unknown register\$" "$tmp/badreg.json"
echo '{"regs": {"rax": "12z"}}' >"$tmp/badval.json"
error "bad value" "regs.rax: not a number or \"0x\" string\$" "$tmp/badval.json"
echo '{"regs": {"cs": 8}}' >"$tmp/seg.json"
error "segment outside real mode" "regs.cs: segment registers can be set in real mode only" \
    --mode long64 "$tmp/seg.json"
echo '{"memory": [{"addr": 4096, "hex": "00"}]}' >"$tmp/gdt.json"
error "bytes over the GDT" "overlaps the fixture's GDT" --mode flat32 "$tmp/gdt.json"
echo '{"memory": [{"addr": 0, "hex": "0g"}]}' >"$tmp/hex.json"
error "bad hex" "memory\[0\].hex: not hexadecimal" --mode real "$tmp/hex.json"
echo '{"load": {"file": "none.bin", "addr": 0}}' >"$tmp/noload.json"
error "missing binary" "$tmp/none.bin: No such file or directory\$" "$tmp/noload.json"
echo '{"lod": {}}' >"$tmp/key.json"
error "unknown key" "state: unknown key \"lod\"\$" "$tmp/key.json"
echo '{"dump": [{"addr": 0, "len": 99999999999}]}' >"$tmp/dump.json"
error "dump outside RAM" "outside the 16 MiB of RAM" "$tmp/dump.json"
error "bad mode" "^vireo-flat-run: --mode: v86: not real, flat32 or long64\$" --mode v86 x.json
error "no state file" "^vireo-flat-run: no state file" --mode real
error "unknown option" "^vireo-flat-run: --bogus: unknown option" --bogus

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
