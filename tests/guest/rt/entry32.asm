; tests/guest/rt/entry32.asm: multiboot entry of the 32-bit C guests.
;
; Multiboot Specification 0.6.96 §3.2 "Machine state": the loader enters _start in 32-bit
; protected mode with paging off, interrupts off, EAX = 0x2BADB002 and EBX = the physical address
; of the boot information. GDTR, the stack and the IDT are the guest's business ("the OS image
; must create its own GDT as soon as it needs to load a segment register"), so this loads a flat
; GDT of its own, sets up a stack and calls
;     int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
; then hands the return value to guest_exit() (exit port, see guest.h).
;
; Not done here: no IDT (a guest that tests exceptions installs its own), no bss clearing (the
; multiboot loader zeroes it when it loads the ELF segment, which tests that loader too).

%include "guest.inc"

GUEST_STACK_BYTES equ 16384

MULTIBOOT_HEADER

extern guest_main
extern guest_exit
global _start

section .text
bits 32
_start:
    lgdt [gdt_descriptor]
    jmp dword GUEST_SEL_CODE:.reload_cs
.reload_cs:
    mov cx, GUEST_SEL_DATA
    mov ds, cx
    mov es, cx
    mov fs, cx
    mov gs, cx
    mov ss, cx
    mov esp, stack_top
    ; i386 System V ABI: ESP is 16-byte aligned at the call, after the arguments are pushed.
    sub esp, 8
    push ebx
    push eax
    call guest_main
    add esp, 16
    push eax
    call guest_exit             ; does not return

section .rodata
align 8
; Flat 4 GiB segments (SDM Vol. 3A §3.4.5 "Segment Descriptors"): base 0, limit 0xFFFFF, G=1, D=1.
; The selectors are GUEST_SEL_CODE and GUEST_SEL_DATA of guest.inc.
guest_gdt:
    dq 0                        ; null selector
    dq 0x00cf9a000000ffff       ; GUEST_SEL_CODE: code, execute/read, DPL 0
    dq 0x00cf92000000ffff       ; GUEST_SEL_DATA: data, read/write, DPL 0
.end:
gdt_descriptor:
    dw guest_gdt.end - guest_gdt - 1
    dd guest_gdt

section .bss
alignb 16
    resb GUEST_STACK_BYTES
stack_top:
