; tests/guest/cpu/v86_code.asm: the virtual-8086-mode code of cpu/v86.c. v86.c copies the bytes
; from v86_code to V86_CODE_GPA (0x8000) and runs each snippet with CS = 0x0800, so a snippet's IP
; is its offset from v86_code (v86.c computes it from the labels). Only relative jumps: the code
; runs at another address than the one it was linked at.
;
; A snippet ends with HLT, a #GP(0) at CPL 3 (SDM Vol. 2A "HLT"), or with INT 0x81 where IOPL is 3,
; either of which returns to the monitor's guest_trap() (rt/sys.h).

global v86_code, v86_code_end
global v86_seg, v86_seg_hlt
global v86_cli, v86_sti, v86_pushf, v86_popf, v86_int, v86_iret, v86_int3, v86_int3_next
global v86_emul, v86_emul_cli, v86_emul_hlt
global v86_io, v86_io_denied, v86_io_word, v86_out_denied
global v86_iopl3, v86_iopl3_after_int, v86_int_dpl0

section .rodata
bits 16
v86_code:

; Segment arithmetic: linear = selector * 16 + offset (SDM Vol. 3A §20.1.1). DS = 0x0900,
; ES = 0x0a00, GS = 0x0c00 from the IRET frame; v86.c wrote markers at 0x9010, 0xa020, 0xc030.
; FS = 0xffff reaches 0x100000 (FFFF0H + 10H), the image's multiboot header: no wrap at 1 MiB.
v86_seg:
    mov ax, [0x10]
    mov bx, [es:0x20]
    mov cx, [gs:0x30]
    mov dx, 0xffff
    mov fs, dx
    mov edx, [fs:0x10]
v86_seg_hlt:
    hlt

; IOPL-sensitive instructions with IOPL 0: each is #GP(0) (SDM Vol. 3A §20.2.7).
v86_cli:
    cli
    hlt
v86_sti:
    sti
    hlt
v86_pushf:
    pushf
    hlt
v86_popf:
    popf
    hlt
v86_int:
    int 0x80
    hlt
v86_iret:
    iret
    hlt
; INT3 (CC) is not INT n: it goes through the IDT whatever IOPL is (SDM Vol. 2A "INT n/INTO/INT3",
; Operation: "IF (VM = 1 and IOPL < 3 AND INT n) THEN #GP(0)").
v86_int3:
    int3
v86_int3_next:
    hlt

; A monitor that emulates CLI: the #GP handler skips the CLI and clears IF in the frame.
v86_emul:
    mov ax, 1
v86_emul_cli:
    cli
    mov ax, 2
v86_emul_hlt:
    hlt

; I/O against the TSS I/O permission bitmap: 0x21 allowed (reads the PIC mask, 0xff), 0xa1
; denied; a word access at 0xa0 needs the bits of 0xa0 and 0xa1 (SDM Vol. 1 §19.5.2).
v86_io:
    in al, 0x21
    mov bl, al
v86_io_denied:
    in al, 0xa1
    hlt
v86_io_word:
    in ax, 0xa0
    hlt
v86_out_denied:
    mov al, 0xff
    out 0xa1, al
    hlt

; IOPL 3: STI/CLI/PUSHF/POPF work, POPF leaves IOPL alone (SDM Vol. 2B "POPF"), INT 0x80 goes to
; the ring-0 handler through the IDT and IRET comes back (SDM Vol. 3A §20.3.1.1).
v86_iopl3:
    sti
    pushf
    pop bx
    cli
    pushf
    pop cx
    push word 0
    popf
    pushf
    pop dx
    mov ax, 0x11
    int 0x80
v86_iopl3_after_int:
    int 0x81

; IOPL 3, INT to a gate with DPL 0 < CPL 3: #GP(vector * 8 + 2) (SDM Vol. 2A "INT n").
v86_int_dpl0:
    int 0x50
    hlt

v86_code_end:
