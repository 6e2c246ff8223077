# The kernel's first instructions. OpenSBI jumps here in S-mode with a0 =
# hart id and a1 = device tree. Set up the boot stack, clear .bss, enter C++.
    .section .text.entry
    .global _start
_start:
    la sp, boot_stack_top
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call kernel_main             # a0 (hart) and a1 (device tree) untouched
3:  wfi
    j 3b

    .section .bss.stack
    .balign 16
    .global boot_stack_top
boot_stack:
    .space 16384
boot_stack_top:
