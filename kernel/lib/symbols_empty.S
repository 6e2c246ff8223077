# The symbol table of the first kernel link: empty. The Makefile links the
# real one (build/ksyms.S) in the second link.
    .section .ksyms, "a"
    .balign 8
    .weak kernel_symbols
    .weak kernel_symbol_count
kernel_symbols:
kernel_symbol_count:
    .quad 0
