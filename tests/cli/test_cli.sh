#!/bin/bash
# Runs the vireo binary with good and bad command lines and checks what a user sees: exit
# status 0 or 1 (never a signal), and for errors exactly one line on stderr naming the option or
# file. Usage: test_cli.sh PATH/TO/vireo
set -u
vireo=$1
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect STATUS STDERR_PATTERN ARGS...: run vireo ARGS, compare status and stderr.
expect() {
    local want_status=$1 pattern=$2
    shift 2
    "$vireo" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local status=$? lines args="$*"
    lines=$(wc -l <"$tmp/err")
    if [ "$status" -ne "$want_status" ]; then
        echo "FAIL vireo ${args:0:80}: exit status $status, expected $want_status"
        failed=$((failed + 1)); return
    fi
    if [ -n "$pattern" ]; then
        if [ "$lines" -ne 1 ] || ! grep -qE -- "$pattern" "$tmp/err"; then
            echo "FAIL vireo ${args:0:80}: stderr was:"; cat "$tmp/err"
            echo "     expected one line matching: $pattern"
            failed=$((failed + 1)); return
        fi
    elif [ "$lines" -ne 0 ]; then
        echo "FAIL vireo ${args:0:80}: unexpected stderr:"; cat "$tmp/err"
        failed=$((failed + 1)); return
    fi
    echo "ok   vireo ${args:0:80}"
    passed=$((passed + 1))
}

expect 0 "" --version
grep -qE '^vireo version [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" || { echo "FAIL --version output"; failed=$((failed + 1)); }
expect 0 "" -h
grep -q -- '-kernel FILE' "$tmp/out" || { echo "FAIL -h does not list -kernel"; failed=$((failed + 1)); }
expect 0 "" -d help
grep -q 'guest_errors' "$tmp/out" || { echo "FAIL -d help does not list guest_errors"; failed=$((failed + 1)); }
expect 1 '^vireo: -bogus: unknown option' -bogus
expect 1 "^vireo: -boot: 'x': expected \\[order=\\]LETTERS, up to three of a, c, d, n\$" -boot x
expect 1 '^vireo: -smp: option not supported yet$' -smp 2
expect 1 "^vireo: -display: 'gtk': unknown display \\(vireo has: sdl, none\\)\$" -display gtk
expect 1 "^vireo: -display: 'sdl,gl=on': OpenGL is not supported\$" -display sdl,gl=on
expect 1 '^vireo: -m: invalid RAM size' -m 12x
expect 1 '^vireo: -m: missing argument' -m
expect 1 "^vireo: -kernel: $tmp/none: No such file or directory\$" -kernel "$tmp/none"
touch "$tmp/kernel"
# -display sdl with no display server: one line saying so (not SDL's invisible offscreen window).
DISPLAY= WAYLAND_DISPLAY= expect 1 '^vireo: -display sdl: no display server' -display sdl \
    -kernel "$tmp/kernel"
expect 1 "^vireo: -initrd: $tmp/none: No such file or directory\$" -kernel "$tmp/kernel" -initrd "$tmp/none"
mkdir "$tmp/ro"
expect 1 "^vireo: -D: $tmp/ro/x/log: No such file or directory\$" -D "$tmp/ro/x/log"
expect 1 '^vireo: -d: unknown log item' -d nothing
expect 1 "^vireo: -bios: $tmp/none.bin: No such file or directory\$" -m 16 -bios "$tmp/none.bin"
head -c 1000 /dev/zero > "$tmp/odd.bin"
expect 1 "^vireo: -bios: $tmp/odd.bin: size 1000 is not a multiple of 64 KiB up to 16 MiB\$" -bios "$tmp/odd.bin"
expect 1 "^vireo: -cpu: 'pentium': unknown CPU model \\(base, max\\)\$" -cpu pentium
expect 1 "^vireo: -kernel: $tmp/kernel: not a Multiboot or Linux kernel image\$" -kernel "$tmp/kernel"
printf 'not a kernel at all, just text' > "$tmp/text"
expect 1 "^vireo: -kernel: $tmp/text: not a Multiboot or Linux kernel image\$" -kernel "$tmp/text"
expect 1 "^vireo: -debugcon: $tmp/ro/x/con: No such file or directory\$" -debugcon "file:$tmp/ro/x/con" -kernel "$tmp/kernel"
expect 1 "^vireo: -gdb: 'serial0': expected tcp:.HOST.:PORT" -gdb serial0 -kernel "$tmp/kernel"
expect 1 "^vireo: -gdb: 'arch=arm': unknown property \\(arch=x86-64 or arch=i386\\)\$" -gdb tcp::1234,arch=arm -kernel "$tmp/kernel"
expect 1 "^vireo: -gdb: 'host.invalid:1234': " -gdb tcp:host.invalid:1234 -kernel "$tmp/kernel"
expect 1 "^vireo: -monitor stdio: stdio carries the serial console" -monitor stdio -kernel "$tmp/kernel"
expect 1 "^vireo: -monitor: 'pipe:x': expected stdio, none" -monitor pipe:x -kernel "$tmp/kernel"
expect 1 "^vireo: -monitor: 'unix:$tmp/m,server,wait=on': option 'wait=on' not supported" -monitor "unix:$tmp/m,server,wait=on" -kernel "$tmp/kernel"
expect 1 "^vireo: -monitor: $tmp/ro/x/sock: No such file or directory\$" -monitor "unix:$tmp/ro/x/sock,server,nowait" -kernel "$tmp/kernel"
expect 1 "^vireo: -cdrom: $tmp/x.iso: No such file or directory\$" -cdrom "$tmp/x.iso" -kernel "$tmp/kernel"
printf 'QFI\373\0\0\0\4' > "$tmp/v4.qcow2"; head -c 200 /dev/zero >> "$tmp/v4.qcow2"
expect 1 "^vireo: -hda: $tmp/v4.qcow2: unsupported qcow2 version 4\$" -hda "$tmp/v4.qcow2" -kernel "$tmp/kernel"
# Hostile argument bytes must still give one line, never a crash.
expect 1 'unknown option' "-$(printf 'a%.0s' $(seq 1 5000))"
expect 1 'unexpected argument' "$(printf 'x\nsecond line')"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
