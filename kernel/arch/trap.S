# Trap entry and exit. stvec always points at trapvec. While a task runs in
# user mode, sscratch holds its TrapFrame; while the kernel runs, sscratch
# is 0, so the first instruction tells the two apart without a second
# vector to switch stvec to and from on every trap. A trap from the kernel
# only ever means a kernel bug (the kernel runs with interrupts disabled
# and polls them in the idle loop).

    .section .text
    .balign 4
    .global trapvec
trapvec:
    csrrw sp, sscratch, sp          # sp = TrapFrame, sscratch = user sp
    beqz sp, kernelvec              # sscratch was 0: a trap in the kernel
    sd ra, 8(sp)
    sd gp, 24(sp)
    sd tp, 32(sp)
    sd t0, 40(sp)
    sd t1, 48(sp)
    sd t2, 56(sp)
    sd s0, 64(sp)
    sd s1, 72(sp)
    sd a0, 80(sp)
    sd a1, 88(sp)
    sd a2, 96(sp)
    sd a3, 104(sp)
    sd a4, 112(sp)
    sd a5, 120(sp)
    sd a6, 128(sp)
    sd a7, 136(sp)
    sd s2, 144(sp)
    sd s3, 152(sp)
    sd s4, 160(sp)
    sd s5, 168(sp)
    sd s6, 176(sp)
    sd s7, 184(sp)
    sd s8, 192(sp)
    sd s9, 200(sp)
    sd s10, 208(sp)
    sd s11, 216(sp)
    sd t3, 224(sp)
    sd t4, 232(sp)
    sd t5, 240(sp)
    sd t6, 248(sp)
    csrrw t0, sscratch, zero        # the user sp; 0 marks "in the kernel"
    sd t0, 16(sp)
    csrr t0, sepc
    sd t0, 256(sp)
    mv a0, sp
    ld sp, 264(sp)                  # this task's kernel stack
    li s0, 0                        # end of the frame-pointer chain
    call user_trap                  # returns the TrapFrame to resume
    j user_return

    .global user_return
user_return:                        # a0 = TrapFrame
    csrw sscratch, a0
    ld t0, 256(a0)
    csrw sepc, t0
    ld ra, 8(a0)
    ld sp, 16(a0)
    ld gp, 24(a0)
    ld tp, 32(a0)
    ld t0, 40(a0)
    ld t1, 48(a0)
    ld t2, 56(a0)
    ld s0, 64(a0)
    ld s1, 72(a0)
    ld a1, 88(a0)
    ld a2, 96(a0)
    ld a3, 104(a0)
    ld a4, 112(a0)
    ld a5, 120(a0)
    ld a6, 128(a0)
    ld a7, 136(a0)
    ld s2, 144(a0)
    ld s3, 152(a0)
    ld s4, 160(a0)
    ld s5, 168(a0)
    ld s6, 176(a0)
    ld s7, 184(a0)
    ld s8, 192(a0)
    ld s9, 200(a0)
    ld s10, 208(a0)
    ld s11, 216(a0)
    ld t3, 224(a0)
    ld t4, 232(a0)
    ld t5, 240(a0)
    ld t6, 248(a0)
    ld a0, 80(a0)
    sret

# A trap taken in supervisor mode is a kernel bug: report it and stop. The
# report runs on a stack of its own, since the trap may be an overflow of
# the stack in use (its guard page): pushing anything there would fault
# again. It gets the faulting sp and frame pointer (for the stack trace).
kernelvec:
    csrrw sp, sscratch, sp          # the kernel's sp back, sscratch 0 again
    mv a0, sp
    mv a1, s0
    la sp, trap_stack_top
    li s0, 0
    call kernel_trap
1:  wfi
    j 1b

    .section .bss.trap_stack
    .balign 16
trap_stack:
    .space 8192
trap_stack_top:
