/*
 * tests/conformance/native/native_stub.S: the worker's way into and out of a snippet.
 *
 * native_stub_enter loads every register of native_stub_in (FXRSTOR for x87/SSE, POPFQ for
 * RFLAGS, RSP last) and jumps to the code page. The snippet ends in a jump to native_stub_exit,
 * which saves every register into native_stub_out without disturbing one before it is saved:
 * MOV never touches flags, and RIP-relative stores need no base register. A snippet that
 * raises an exception ends in native_worker_handle_signal instead, which copies the registers
 * from the signal frame and has the kernel's sigreturn resume at native_stub_recover. Both paths
 * then save the x87/SSE state (FXSAVE64, SDM Vol. 2A "FXSAVE"), put the host's back, restore the
 * data segment selectors and return to the C caller.
 *
 * Faults while the snippet runs are told apart from faults in the harness by
 * native_stub_in_snippet, set just before the jump to the snippet and cleared by the first
 * instruction of the exit path.
 */
#include "native_internal.h"

        .section .note.GNU-stack, "", @progbits

        .bss
        .balign 64
        .globl native_stub_in, native_stub_out, native_stub_host_fx
        .hidden native_stub_in, native_stub_out, native_stub_host_fx
native_stub_in:         .zero 656
        .balign 16
native_stub_out:        .zero 656
        .balign 16
native_stub_host_fx:    .zero 512
        .globl native_stub_host_rsp, native_stub_host_sel
        .globl native_stub_in_snippet, native_stub_fsgs_changed
        .hidden native_stub_host_rsp, native_stub_host_sel
        .hidden native_stub_in_snippet, native_stub_fsgs_changed
        .balign 8
native_stub_host_rsp:   .zero 8
native_stub_host_sel:   .zero 8
native_stub_in_snippet: .zero 1
native_stub_fsgs_changed: .zero 1

        .section .rodata
        .balign 8
code_entry:             .quad STUB_CODE_ADDR

        .text

/* int native_stub_enter(void): STUB_RESULT_DONE or STUB_RESULT_SIGNAL. */
        .globl native_stub_enter
        .hidden native_stub_enter
        .type native_stub_enter, @function
native_stub_enter:
        push    %rbx
        push    %rbp
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, native_stub_host_rsp(%rip)
        fxrstor64 native_stub_in+STATE_FX(%rip)
        /* POPFQ needs a stack: borrow the RFLAGS slot of the input as one. */
        lea     native_stub_in+STATE_RFLAGS(%rip), %rsp
        popfq
        mov     native_stub_in+STATE_GPR+0*8(%rip), %rax
        mov     native_stub_in+STATE_GPR+1*8(%rip), %rcx
        mov     native_stub_in+STATE_GPR+2*8(%rip), %rdx
        mov     native_stub_in+STATE_GPR+3*8(%rip), %rbx
        mov     native_stub_in+STATE_GPR+5*8(%rip), %rbp
        mov     native_stub_in+STATE_GPR+6*8(%rip), %rsi
        mov     native_stub_in+STATE_GPR+7*8(%rip), %rdi
        mov     native_stub_in+STATE_GPR+8*8(%rip), %r8
        mov     native_stub_in+STATE_GPR+9*8(%rip), %r9
        mov     native_stub_in+STATE_GPR+10*8(%rip), %r10
        mov     native_stub_in+STATE_GPR+11*8(%rip), %r11
        mov     native_stub_in+STATE_GPR+12*8(%rip), %r12
        mov     native_stub_in+STATE_GPR+13*8(%rip), %r13
        mov     native_stub_in+STATE_GPR+14*8(%rip), %r14
        mov     native_stub_in+STATE_GPR+15*8(%rip), %r15
        mov     native_stub_in+STATE_RSP(%rip), %rsp
        movb    $1, native_stub_in_snippet(%rip)
        jmp     *code_entry(%rip)
        .size native_stub_enter, . - native_stub_enter

/*
 * The snippet's epilogue jumps here. AC may be set, so until POPFQ clears it every access is
 * naturally aligned; TF is never set on input, but a POPF in the snippet may have set it, and
 * the worker's handler maps a #DB reported at this address back to the end of the snippet.
 */
        .globl native_stub_exit
        .hidden native_stub_exit
        .type native_stub_exit, @function
native_stub_exit:
        movb    $0, native_stub_in_snippet(%rip)
        mov     %rsp, native_stub_out+STATE_RSP(%rip)
        mov     native_stub_host_rsp(%rip), %rsp
        pushfq
        popq    native_stub_out+STATE_RFLAGS(%rip)
        pushq   $STUB_CLEAN_RFLAGS
        popfq
        mov     %rax, native_stub_out+STATE_GPR+0*8(%rip)
        mov     %rcx, native_stub_out+STATE_GPR+1*8(%rip)
        mov     %rdx, native_stub_out+STATE_GPR+2*8(%rip)
        mov     %rbx, native_stub_out+STATE_GPR+3*8(%rip)
        mov     %rbp, native_stub_out+STATE_GPR+5*8(%rip)
        mov     %rsi, native_stub_out+STATE_GPR+6*8(%rip)
        mov     %rdi, native_stub_out+STATE_GPR+7*8(%rip)
        mov     %r8, native_stub_out+STATE_GPR+8*8(%rip)
        mov     %r9, native_stub_out+STATE_GPR+9*8(%rip)
        mov     %r10, native_stub_out+STATE_GPR+10*8(%rip)
        mov     %r11, native_stub_out+STATE_GPR+11*8(%rip)
        mov     %r12, native_stub_out+STATE_GPR+12*8(%rip)
        mov     %r13, native_stub_out+STATE_GPR+13*8(%rip)
        mov     %r14, native_stub_out+STATE_GPR+14*8(%rip)
        mov     %r15, native_stub_out+STATE_GPR+15*8(%rip)
        mov     $STUB_RESULT_DONE, %eax
        jmp     finish
        .size native_stub_exit, . - native_stub_exit

/*
 * The handler's sigreturn lands here with RSP = native_stub_host_rsp, clean RFLAGS, the host's
 * CS and SS, and the x87/SSE state the snippet had when it faulted.
 */
        .globl native_stub_recover
        .hidden native_stub_recover
        .type native_stub_recover, @function
native_stub_recover:
        mov     $STUB_RESULT_SIGNAL, %eax
finish:
        fxsave64 native_stub_out+STATE_FX(%rip)
        fxrstor64 native_stub_host_fx(%rip)
        /*
         * DS and ES are ignored in 64-bit mode but a snippet may have loaded them; put the
         * host's back. FS and GS carry bases: if either changed, reload the selector and let
         * the worker restore the base (ARCH_SET_FS/GS: FSGSBASE may be off on the host).
         */
        mov     native_stub_host_sel+0(%rip), %ds
        mov     native_stub_host_sel+2(%rip), %es
        mov     %fs, %ecx
        mov     %gs, %edx
        cmp     native_stub_host_sel+4(%rip), %cx
        jne     1f
        cmp     native_stub_host_sel+6(%rip), %dx
        je      2f
1:      movb    $1, native_stub_fsgs_changed(%rip)
        mov     native_stub_host_sel+4(%rip), %fs
        mov     native_stub_host_sel+6(%rip), %gs
2:      pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbp
        pop     %rbx
        ret
        .size native_stub_recover, . - native_stub_recover

/*
 * Signal handler entry (SA_SIGINFO). The kernel clears DF and TF for a handler but leaves AC
 * as the snippet had it; clear it before compiled code, which may access memory misaligned.
 */
        .globl native_stub_signal
        .hidden native_stub_signal
        .type native_stub_signal, @function
native_stub_signal:
        pushfq
        andl    $~(1 << 18), (%rsp)
        popfq
        jmp     native_worker_handle_signal
        .size native_stub_signal, . - native_stub_signal

/* The handler's return address (SA_RESTORER): rt_sigreturn, allowed by the seccomp filter. */
        .globl native_stub_sigreturn
        .hidden native_stub_sigreturn
        .type native_stub_sigreturn, @function
native_stub_sigreturn:
        mov     $15, %eax
        syscall
        .size native_stub_sigreturn, . - native_stub_sigreturn
