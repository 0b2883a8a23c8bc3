; tests/guest/rt/sys64.asm: the 64-bit half of rt/sys.h: exception stubs for all 256 vectors,
; the common entry that calls guest_exc_dispatch(), guest_trap() and guest_enter_user().
;
; As sys32.asm, with the 64-bit frame: the CPU always pushes SS:RSP and aligns RSP to 16 bytes
; first (SDM Vol. 3A §6.14.2 "64-Bit Mode Stack Frame"). Stub plus 15 saved registers make 22
; quadwords, so the dispatcher is called with RSP 16-byte aligned when the frame was; the entry
; aligns it anyway, as a test may deliver through a misaligned IST stack.

SEL_KDATA equ 0x10
SEL_UCODE64 equ 0x2b
SEL_UDATA equ 0x23

extern guest_exc_dispatch
global guest_exc_stubs
global guest_trap
global guest_enter_user
global guest_trap_top

section .text
bits 64

align 16
guest_exc_stubs:
%assign v 0
%rep 256
    align 16
%if !(v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30)
    push qword 0
%endif
    push qword v
    jmp exc_common
%assign v v + 1
%endrep

exc_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    cld
    mov rdi, rsp
    mov rbx, rsp
    and rsp, -16
    call guest_exc_dispatch
    mov rsp, rbx
    test eax, eax
    jz .catch
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                 ; vector and error code
    iretq
.catch:
    mov eax, [rsp + 15 * 8]     ; GuestExcFrame.vector
    mov cx, SEL_KDATA
    mov ss, cx
    mov rsp, [rel guest_trap_top]
    jmp trap_return

; int guest_trap(void (*fn)(uintptr_t) [rdi], uintptr_t arg [rsi])
guest_trap:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    pushfq
    push qword [rel guest_trap_top]
    mov [rel guest_trap_top], rsp
    sub rsp, 8                  ; System V: RSP 16-byte aligned at the call
    mov rax, rdi
    mov rdi, rsi
    call rax
    add rsp, 8
    mov eax, -1
trap_return:
    mov cx, SEL_KDATA
    mov ds, cx
    mov es, cx
    mov fs, cx
    mov gs, cx
    pop qword [rel guest_trap_top]
    popfq
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

; void guest_enter_user(uintptr_t fn [rdi], uintptr_t user_sp [rsi], uintptr_t flags [rdx])
guest_enter_user:
    push qword SEL_UDATA
    push rsi
    push rdx
    push qword SEL_UCODE64
    push rdi
    iretq

section .data
align 8
guest_trap_top:
    dq 0
