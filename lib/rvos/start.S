# Program entry: the kernel starts a process here with sp set and
# a0..a3 = its argument and environment strings (see start.cpp).
    .section .text.start
    .global _start
_start:
    li s0, 0            # end of the frame-pointer chain
    la tp, __tls_base   # thread-local storage (errno)
    call rvos_start     # never returns
1:  j 1b
