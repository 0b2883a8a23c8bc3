; tests/guest/samples/asm32_debugcon402.asm: a second debug console, as SeaBIOS uses one.
;
; Writes "PASS port-e9" to the debug console at 0xE9 (-debugcon) and "VIREO-PORT-402" to port
; 0x402, where a -device isa-debugcon,iobase=0x402,chardev=ID sends it to its own host end
; (tests/guest/CMakeLists.txt checks that file; without the device the bytes go nowhere).
; Expected output: asm32_debugcon402.expect; exit code 0.

%include "guest.inc"

MULTIBOOT_HEADER

global _start

section .text
bits 32
_start:
    mov esp, stack_top
    GUEST_PUTS 'PASS port-e9', 10
    mov esi, line402
    mov ecx, line402.end - line402
    mov dx, 0x402
    cld
    rep outsb
    GUEST_EXIT 0

section .rodata
line402:
    db 'VIREO-PORT-402', 10
.end:

section .bss
alignb 16
    resb 1024
stack_top:
