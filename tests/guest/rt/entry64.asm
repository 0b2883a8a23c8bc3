; tests/guest/rt/entry64.asm: multiboot entry of the 64-bit C guests.
;
; Multiboot (Specification 0.6.96 §3.2) enters in 32-bit protected mode without paging. This
; switches to 64-bit mode the way SDM Vol. 3A §9.8.5 "Initializing IA-32e Mode" prescribes:
;   1. CR4.PAE = 1
;   2. CR3 = a 4-level table that identity-maps the first 4 GiB with 2 MiB pages
;      (SDM Vol. 3A §4.5, Table 4-17 "Format of a Page-Directory Entry that Maps a 2-MByte Page")
;   3. IA32_EFER.LME = 1 (MSR C000_0080H, bit 8)
;   4. CR0.PG = 1: the CPU is now in IA-32e compatibility mode and sets EFER.LMA
;   5. a far jump to a 64-bit code segment (L = 1) enters 64-bit mode
; and then calls, with the System V AMD64 convention,
;     int guest_main(uint32_t mb_magic, uint32_t mb_info_gpa)
; and hands its return value to guest_exit() (exit port, see guest.h).
;
; The identity map covers RAM, the PCI hole and the local APIC/IOAPIC pages, so device tests can
; use physical addresses as pointers. Deliberately left off: NX, global pages, SSE enabling
; (guests build with -mgeneral-regs-only), an IDT (exception tests install their own).
; The image is linked as ELF64 and converted to ELF32 by the build (QEMU's multiboot loader
; rejects EM_X86_64 images); the code here runs at its link addresses either way.

%include "guest.inc"

GUEST_STACK_BYTES equ 16384

CR0_PE      equ 1 << 0
CR0_PG      equ 1 << 31
CR4_PAE     equ 1 << 5
MSR_EFER    equ 0xc0000080
EFER_LME    equ 1 << 8
PTE_P       equ 1 << 0
PTE_RW      equ 1 << 1
PDE_PS      equ 1 << 7      ; in a page-directory entry: maps a 2 MiB page
IDENTITY_GIB equ 4          ; one page directory (512 x 2 MiB) per GiB

MULTIBOOT_HEADER

extern guest_main
extern guest_exit
global _start

section .text
bits 32
_start:
    mov edi, eax                ; multiboot magic and boot information, kept for guest_main
    mov esi, ebx
    mov esp, stack_top          ; the loader leaves ESP undefined; GUEST_PUTS needs a stack
    lgdt [gdt_descriptor]

    ; CPUID.80000001H:EDX.LM[bit 29]. Without it the WRMSR below would fault into a triple
    ; fault, which a test runner cannot tell from a crash; say why instead.
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    bt edx, 29
    jnc .no_long_mode

    ; Page directories: entry i maps physical i * 2 MiB. The high dwords stay zero (bss), as
    ; every address here is below 4 GiB.
    xor ecx, ecx
.fill_pd:
    mov eax, ecx
    shl eax, 21
    or eax, PDE_PS | PTE_RW | PTE_P
    mov [page_dirs + ecx * 8], eax
    inc ecx
    cmp ecx, IDENTITY_GIB * 512
    jb .fill_pd

    xor ecx, ecx
.fill_pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, page_dirs + (PTE_RW | PTE_P)
    mov [pdpt + ecx * 8], eax
    inc ecx
    cmp ecx, IDENTITY_GIB
    jb .fill_pdpt

    mov dword [pml4], pdpt + (PTE_RW | PTE_P)

    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, pml4
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_PE
    mov cr0, eax
    jmp dword GUEST_SEL_CODE:long_mode

.no_long_mode:
    GUEST_PUTS 'FAIL long-mode: CPUID.80000001H:EDX.LM is clear', 10
    GUEST_EXIT 1

bits 64
long_mode:
    mov ax, GUEST_SEL_DATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov rsp, stack_top
    ; The upper halves of the registers are undefined after a switch from 32-bit code
    ; (SDM Vol. 1 §3.4.1.1), so zero-extend the two arguments.
    mov edi, edi
    mov esi, esi
    call guest_main
    mov edi, eax
    call guest_exit             ; does not return

section .rodata
align 8
; SDM Vol. 3A §3.4.5: the code descriptor has L = 1 and D = 0 (64-bit code segment); base and
; limit are ignored in 64-bit mode but kept flat for the data segment's use in any mode.
gdt:
    dq 0                        ; null selector
    dq 0x00af9a000000ffff       ; GUEST_SEL_CODE: 64-bit code, execute/read, DPL 0
    dq 0x00cf92000000ffff       ; GUEST_SEL_DATA: data, read/write, DPL 0
.end:
gdt_descriptor:
    dw gdt.end - gdt - 1
    dq gdt                      ; LGDT in 32-bit code reads the low 4 bytes of the base only

section .bss
alignb 4096
pml4:
    resq 512
pdpt:
    resq 512
page_dirs:
    resq 512 * IDENTITY_GIB
alignb 16
    resb GUEST_STACK_BYTES
stack_top:
