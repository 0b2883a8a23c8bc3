; tests/guest/rt/sys32.asm: the 32-bit half of rt/sys.h: exception stubs for all 256 vectors,
; the common entry that calls guest_exc_dispatch(), guest_trap() and guest_enter_user().
;
; A stub pushes a zero in place of an error code for the vectors whose exceptions push none
; (SDM Vol. 3A Table 6-1: only 8, 10-14, 17, 21, 29 and 30 push one), then the vector. The
; common entry saves the general registers (PUSHAD), DS and ES, loads the kernel data segment
; (an exit from virtual-8086 mode leaves DS..GS null, SDM Vol. 3A §20.3.1.1), and calls the
; dispatcher with a pointer to the GuestExcFrame. Its return value says whether to IRET to the
; (possibly edited) frame, or to return from the innermost guest_trap().

SEL_KDATA equ 0x10
SEL_UCODE32 equ 0x1b
SEL_UDATA equ 0x23

extern guest_exc_dispatch
global guest_exc_stubs
global guest_trap
global guest_enter_user
global guest_trap_top

section .text
bits 32

align 16
guest_exc_stubs:
%assign v 0
%rep 256
    align 16
%if !(v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30)
    push dword 0
%endif
    push dword v
    jmp exc_common
%assign v v + 1
%endrep

exc_common:
    pushad
    push ds
    push es
    mov ax, SEL_KDATA
    mov ds, ax
    mov es, ax
    cld
    mov eax, esp
    push eax
    call guest_exc_dispatch
    add esp, 4
    test eax, eax
    jz .catch
    pop es
    pop ds
    popad
    add esp, 8                  ; vector and error code
    iretd
.catch:
    mov eax, [esp + 40]         ; GuestExcFrame.vector
    mov cx, SEL_KDATA
    mov ss, cx
    mov esp, [guest_trap_top]
    jmp trap_return

; int guest_trap(void (*fn)(uintptr_t), uintptr_t arg)
; The context is the stack itself: [prev top][EFLAGS][EDI][ESI][EBX][EBP][return][fn][arg].
guest_trap:
    push ebp
    push ebx
    push esi
    push edi
    pushfd
    push dword [guest_trap_top]
    mov [guest_trap_top], esp
    push dword [esp + 32]       ; arg
    call [esp + 32]             ; fn (one slot further now)
    add esp, 4
    mov eax, -1
trap_return:
    mov cx, SEL_KDATA
    mov ds, cx
    mov es, cx
    mov fs, cx
    mov gs, cx
    pop dword [guest_trap_top]
    popfd
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

; void guest_enter_user(uintptr_t fn, uintptr_t user_sp, uintptr_t flags): IRET to CPL 3.
; DS and ES are loaded with the user data segment first: IRET to an outer level would null a
; data segment register whose DPL is below the new CPL (SDM Vol. 2A "IRET", RETURN-TO-OUTER-
; PRIVILEGE-LEVEL).
guest_enter_user:
    mov eax, [esp + 4]
    mov ecx, [esp + 8]
    mov edx, [esp + 12]
    mov bx, SEL_UDATA
    mov ds, bx
    mov es, bx
    mov fs, bx
    mov gs, bx
    push dword SEL_UDATA
    push ecx
    push edx
    push dword SEL_UCODE32
    push eax
    iretd

section .data
align 4
guest_trap_top:
    dd 0
