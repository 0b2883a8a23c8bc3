; tests/guest/cpu/modes_switch.asm: the mode switches of cpu/modes.c. modes_run(), called from
; 32-bit protected mode, goes
;     PM32 -> PM16 -> real mode (the start)
;     real -> PM16 -> PM32 -> IA-32e compatibility mode (CR0.PG = 1) -> 64-bit mode
;          -> compatibility mode -> PM32 (CR0.PG = 0, EFER.LME = 0) -> PM16 -> real mode
;     real mode: unreal access, INT through the IVT, a segment-limit #GP through the IVT
;     -> PM32, return to C
; and writes what it sees at each stage into dword slots at MODES_RES (the slot numbers are
; the enum of modes.c, in the same order). modes.c checks them against the SDM.
;
; The 16-bit parts (real mode, and PM16 with a 64 KiB code segment at base 0) must run below
; 64 KiB: modes_run copies tramp_start..tramp_end to MODES_TRAMP and jumps there. T(label) is a
; label's address in that copy; only relative jumps stay inside the copy, and the far jumps to
; the 32-bit parts use absolute addresses in the image.
;
; Sources: SDM Vol. 3A §9.9.1 "Switching to Protected Mode" (MOV CR0 with PE = 1, then a far
; JMP), §9.9.2 "Switching Back to Real-Address Mode" (a far JMP to a 16-bit code segment with a
; 64 KiB limit, data segments with 64 KiB limits, PE = 0, a far JMP, LIDT for the real-mode IVT;
; "If the segment registers are not reloaded, execution continues using the descriptor
; attributes loaded during protected mode"), §9.8.5 "Initializing IA-32e Mode" (PAE, CR3,
; EFER.LME, then PG: compatibility mode with EFER.LMA = 1; a far transfer to an L = 1 segment
; enters 64-bit mode), §9.8.5.4 "Switching Out of IA-32e Mode Operation" (from compatibility
; mode clear PG, which clears LMA, then clear LME), §3.4.5 (D and L flags), §20.1.4 "Interrupt
; and Exception Handling" in real-address mode (the IVT at IDTR.base, FLAGS, CS, IP pushed).

MODES_TRAMP equ 0x8000          ; the copy of the 16-bit code
MODES_RES   equ 0x5000          ; result slots, dwords
MODES_STACK equ 0x7000          ; one stack for every stage, SS base 0

SEL_CODE32  equ 0x08            ; rt/sys.h SEL_KCODE: flat, D = 1
SEL_DATA32  equ 0x10            ; rt/sys.h SEL_KDATA: flat 4 GiB data
SEL_CODE16  equ 0x50            ; base 0, limit 0xffff, D = 0 (modes.c)
SEL_DATA16  equ 0x58            ; base 0, limit 0xffff, B = 0
SEL_CODE64  equ 0x60            ; L = 1

CR0_PE      equ 1 << 0
CR0_PG      equ 1 << 31
CR4_PAE     equ 1 << 5
MSR_EFER    equ 0xc0000080
EFER_LME    equ 1 << 8

; Stages; each has four slots: CR0, push width, INC result, CS.
ST_REAL     equ 0
ST_PM16     equ 1
ST_PM32     equ 2
ST_COMPAT0  equ 3               ; right after CR0.PG = 1, CS still the 32-bit segment
ST_LM64     equ 4
ST_COMPAT   equ 5               ; after the far return from 64-bit mode
ST_PM32B    equ 6               ; after leaving IA-32e mode
ST_PM16B    equ 7
ST_REAL2    equ 8
R_EFER_LME      equ 36
R_EFER_PG       equ 37
R_LM_CR4        equ 38
R_LM_EFER       equ 39
R_LM_PUSH16     equ 40
R_LM_REXW_LO    equ 41
R_LM_REXW_HI    equ 42
R_COMPAT_REXW   equ 43
R_COMPAT_EFER   equ 44
R_OFF_EFER_PG0  equ 45
R_OFF_EFER      equ 46
R_UNREAL_ADDR   equ 47          ; input: a linear address above 1 MiB
R_UNREAL_READ   equ 48
R_INT_COUNT     equ 49
R_INT_IP        equ 50
R_INT_CS        equ 51
R_INT_FLAGS     equ 52
R_INT_INFLAGS   equ 53
R_INT_SP        equ 54
R_INT_RET       equ 55
R_GP_COUNT      equ 56
R_GP_IP         equ 57

%define SLOT(n) (MODES_RES + (n) * 4)
%define T(label) (MODES_TRAMP + (label) - tramp_start)

; The operand-size probes. The same bytes run in every mode:
;   50 / 58   PUSH/POP eAX: 2 bytes with a 16-bit default operand size, 4 with 32, 8 in 64-bit
;   FF C0     INC eAX on 0x1ffff: 0x10000 in 16-bit code (AX wraps, the upper half stays),
;             0x20000 with 32-bit (and 64-bit) operands
%macro PROBE16 1
    mov eax, cr0
    mov [SLOT(%1 * 4 + 0)], eax
    mov bx, sp
    db 0x50
    mov cx, sp
    db 0x58
    sub bx, cx
    movzx ebx, bx
    mov [SLOT(%1 * 4 + 1)], ebx
    mov eax, 0x1ffff
    db 0xff, 0xc0
    mov [SLOT(%1 * 4 + 2)], eax
    xor eax, eax
    mov ax, cs
    mov [SLOT(%1 * 4 + 3)], eax
%endmacro

%macro PROBE32 1
    mov eax, cr0
    mov [SLOT(%1 * 4 + 0)], eax
    mov ebx, esp
    db 0x50
    mov ecx, esp
    db 0x58
    sub ebx, ecx
    mov [SLOT(%1 * 4 + 1)], ebx
    mov eax, 0x1ffff
    db 0xff, 0xc0
    mov [SLOT(%1 * 4 + 2)], eax
    xor eax, eax
    mov ax, cs
    mov [SLOT(%1 * 4 + 3)], eax
%endmacro

%macro PROBE64 1
    mov rax, cr0
    mov [SLOT(%1 * 4 + 0)], eax
    mov rbx, rsp
    db 0x50
    mov rcx, rsp
    db 0x58
    sub rbx, rcx
    mov [SLOT(%1 * 4 + 1)], ebx
    mov eax, 0x1ffff
    db 0xff, 0xc0
    mov [SLOT(%1 * 4 + 2)], eax
    xor eax, eax
    mov ax, cs
    mov [SLOT(%1 * 4 + 3)], eax
%endmacro

global modes_run
global modes_int40_ret_ip, modes_limit_at_ip
extern modes_cr3

modes_int40_ret_ip equ T(int40_ret)
modes_limit_at_ip equ T(limit_at)

section .text
bits 32
; void modes_run(void)
modes_run:
    pushad
    mov [saved_esp], esp
    sidt [saved_idtr]
    mov esi, tramp_start
    mov edi, MODES_TRAMP
    mov ecx, tramp_end - tramp_start
    cld
    rep movsb
    jmp SEL_CODE16:T(pm16_down)

; ---- 32-bit and 64-bit parts, run in place ----
pm32_up:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, MODES_STACK
    lidt [saved_idtr]
    PROBE32 ST_PM32

    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, [modes_cr3]
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    wrmsr
    rdmsr
    mov [SLOT(R_EFER_LME)], eax
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    ; IA-32e mode, compatibility mode: CS is still the D = 1, L = 0 segment.
    mov ecx, MSR_EFER
    rdmsr
    mov [SLOT(R_EFER_PG)], eax
    PROBE32 ST_COMPAT0
    jmp SEL_CODE64:lm64

bits 64
lm64:
    PROBE64 ST_LM64
    mov rax, cr4
    mov [SLOT(R_LM_CR4)], eax
    mov ecx, MSR_EFER
    rdmsr
    mov [SLOT(R_LM_EFER)], eax
    mov rbx, rsp                ; 66 50: PUSH AX, a 16-bit push in 64-bit mode
    db 0x66, 0x50
    mov rcx, rsp
    db 0x66, 0x58
    sub rbx, rcx
    mov [SLOT(R_LM_PUSH16)], ebx
    mov eax, 0xffffffff         ; zero-extended into RAX
    db 0x48, 0xff, 0xc0         ; REX.W INC RAX: 0x1_0000_0000
    mov [SLOT(R_LM_REXW_LO)], eax
    shr rax, 32
    mov [SLOT(R_LM_REXW_HI)], eax
    ; A far return (REX.W RETF pops 8-byte RIP and CS) to the 32-bit segment.
    push SEL_CODE32
    mov eax, compat
    push rax
    o64 retf

bits 32
compat:
    PROBE32 ST_COMPAT
    mov eax, 0xffffffff
    db 0x48, 0xff, 0xc0         ; not a REX prefix here: DEC EAX, then INC EAX
    mov [SLOT(R_COMPAT_REXW)], eax
    mov ecx, MSR_EFER
    rdmsr
    mov [SLOT(R_COMPAT_EFER)], eax
    ; Leave IA-32e mode (§9.8.5.4): PG = 0 from compatibility mode, then LME = 0.
    mov eax, cr0
    and eax, ~CR0_PG
    mov cr0, eax
    mov ecx, MSR_EFER
    rdmsr
    mov [SLOT(R_OFF_EFER_PG0)], eax
    and eax, ~EFER_LME
    wrmsr
    rdmsr
    mov [SLOT(R_OFF_EFER)], eax
    mov eax, cr4
    and eax, ~CR4_PAE
    mov cr4, eax
    PROBE32 ST_PM32B
    ; FS keeps the flat 4 GiB descriptor into real mode: "unreal mode".
    mov ax, SEL_DATA32
    mov fs, ax
    jmp SEL_CODE16:T(pm16_down2)

pm32_done:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, [saved_esp]
    lidt [saved_idtr]
    popad
    ret

; ---- 16-bit parts, copied to MODES_TRAMP ----
bits 16
tramp_start:
pm16_down:
    mov ax, SEL_DATA16
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, MODES_STACK
    mov eax, cr0
    and al, ~CR0_PE
    mov cr0, eax
    jmp 0:T(real_start)

real_start:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, MODES_STACK
    lidt [T(ivt_desc)]
    mov word [0x40 * 4], T(int40_handler)
    mov word [0x40 * 4 + 2], 0
    mov word [13 * 4], T(gp_handler)
    mov word [13 * 4 + 2], 0
    PROBE16 ST_REAL
    mov eax, cr0
    or al, CR0_PE
    mov cr0, eax
    jmp SEL_CODE16:T(pm16_up)

pm16_up:
    mov ax, SEL_DATA16
    mov ds, ax
    mov es, ax
    mov ss, ax
    PROBE16 ST_PM16
    jmp dword SEL_CODE32:pm32_up

pm16_down2:
    mov ax, SEL_DATA16
    mov ds, ax
    mov es, ax
    mov gs, ax
    mov ss, ax
    PROBE16 ST_PM16B
    mov eax, cr0
    and al, ~CR0_PE
    mov cr0, eax
    jmp 0:T(real_end)

real_end:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, MODES_STACK
    lidt [T(ivt_desc)]
    PROBE16 ST_REAL2
    ; Unreal mode: FS still has base 0 and limit 4 GiB from protected mode.
    mov esi, [SLOT(R_UNREAL_ADDR)]
    mov eax, [fs:esi]
    mov [SLOT(R_UNREAL_READ)], eax
    mov dword [fs:esi + 4], 0x600df00d
    ; INT 0x40 through the IVT, with IF = 1 so that its clearing shows.
    xor ebx, ebx
    sti
    int 0x40
int40_ret:
    cli
    mov [SLOT(R_INT_RET)], ebx
    ; DS has a 64 KiB limit: a dword at 0xfffd..0x10000 crosses it: #GP, vector 13 of the IVT.
    mov esi, 0xfffd
limit_at:
    mov eax, [esi]
limit_after:
    mov eax, cr0
    or al, CR0_PE
    mov cr0, eax
    jmp dword SEL_CODE32:pm32_done

int40_handler:
    inc dword [SLOT(R_INT_COUNT)]
    mov bp, sp
    movzx eax, word [bp]
    mov [SLOT(R_INT_IP)], eax
    movzx eax, word [bp + 2]
    mov [SLOT(R_INT_CS)], eax
    movzx eax, word [bp + 4]
    mov [SLOT(R_INT_FLAGS)], eax
    pushf
    pop ax
    movzx eax, ax
    mov [SLOT(R_INT_INFLAGS)], eax
    movzx eax, sp
    mov [SLOT(R_INT_SP)], eax
    mov ebx, 0x4242
    iret

gp_handler:
    inc dword [SLOT(R_GP_COUNT)]
    mov bp, sp
    movzx eax, word [bp]
    mov [SLOT(R_GP_IP)], eax
    mov word [bp], T(limit_after)
    iret

ivt_desc:
    dw 0x3ff
    dd 0
tramp_end:

section .data
align 8
saved_esp:
    dd 0
saved_idtr:
    dw 0
    dd 0
