; tests/guest/samples/asm32_hello.asm: the smallest guest, nasm alone, no runtime.
;
; Proves the nasm half of the pipeline: a multiboot header from rt/guest.inc, entry in the state
; of Multiboot Specification 0.6.96 §3.2 (EAX = 0x2BADB002), output through the debug console
; (byte OUTs and REP OUTSB, SDM Vol. 2B "OUTS") and the exit port. It runs on the loader's
; segments and GDT and sets up only a small stack in .bss.
; Expected output: asm32_hello.expect; exit code 0.

%include "guest.inc"

MULTIBOOT_HEADER

global _start

; CHECK_RESULT cc, 'name': prints "PASS name" when condition code cc holds, else "FAIL name" and
; counts the failure.
%macro CHECK_RESULT 2
    j%-1 %%fail
    GUEST_PUTS 'PASS ', %2, 10
    jmp %%done
%%fail:
    GUEST_PUTS 'FAIL ', %2, ': condition not met', 10
    inc dword [failures]
%%done:
%endmacro

section .text
bits 32
_start:
    mov esp, stack_top
    cmp eax, MULTIBOOT_BOOT_MAGIC
    CHECK_RESULT e, 'multiboot-magic'

    ; 1 + 2 + ... + 100 = 5050 through LOOP.
    xor eax, eax
    mov ecx, 100
.add:
    add eax, ecx
    loop .add
    cmp eax, 5050
    CHECK_RESULT e, 'loop-sum'

    ; 0x7F + 1 overflows a signed byte: OF = 1 and SF = 1 (SDM Vol. 1 §3.4.3.1).
    mov al, 0x7f
    add al, 1
    CHECK_RESULT o, 'add-overflow-flag'
    mov al, 0x7f
    add al, 1
    CHECK_RESULT s, 'add-sign-flag'

    ; The PASS line itself goes out through REP OUTSB, so a broken string OUT shows as a missing
    ; or garbled line.
    mov esi, outsb_line
    mov ecx, outsb_line.end - outsb_line
    mov dx, GUEST_DEBUGCON_PORT
    cld
    rep outsb
    test ecx, ecx
    CHECK_RESULT z, 'rep-outsb-count'

    cmp dword [failures], 0
    jne .failed
    GUEST_EXIT 0
.failed:
    GUEST_EXIT 1

section .rodata
outsb_line:
    db 'PASS rep-outsb', 10
.end:

section .bss
alignb 4
failures:
    resd 1
alignb 16
    resb 1024
stack_top:
