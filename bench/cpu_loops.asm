; bench/cpu_loops.asm: the guest of bench/cpu-mips.sh, a flat Multiboot image (a.out kludge,
; Multiboot 0.6.96 §3.1.3) that runs one tight loop in 32-bit protected mode, as the loader
; leaves the CPU (§3.2: flat segments, paging off), then exits through isa-debug-exit at 0xF4.
;
; Assemble with -DLOOP=REG or -DLOOP=MEM and -DITERS=N:
;   REG: 4 instructions per iteration, registers only
;   MEM: 6 instructions per iteration, a load and a store to a 4 KiB buffer
; ITERS=0 gives the same image with no loop work, to measure start-up and exit.

bits 32
org 0x100000

MB_MAGIC equ 0x1badb002
MB_FLAGS equ 0x00010000
base:
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)
    dd base             ; header_addr
    dd base             ; load_addr
    dd image_end        ; load_end_addr
    dd bss_end          ; bss_end_addr
    dd start            ; entry_addr

start:
    xor eax, eax
    xor ebx, ebx
    xor edx, edx
    mov ecx, ITERS
    test ecx, ecx
    jz done
%ifidn LOOP, REG
.loop:
    add eax, ecx
    xor edx, eax
    dec ecx
    jnz .loop
%else
    mov esi, buffer
.loop:
    add eax, [esi + ebx * 4]
    mov [esi + ebx * 4 + 64], eax
    inc ebx
    and ebx, 1023 - 16
    dec ecx
    jnz .loop
%endif
done:
    mov al, 0
    out 0xf4, al
    hlt
    jmp done

image_end:
; The buffer is bss: zeroed by the loader between load_end_addr and bss_end_addr.
buffer equ 0x102000
bss_end equ 0x104000
