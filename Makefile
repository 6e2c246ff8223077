# rvOS-C++ — build, run and test. Plain make; see README.md for the targets.

CROSS    ?= riscv64-unknown-elf-
CXX_RV   := $(CROSS)g++
OBJCOPY  := $(CROSS)objcopy
STRIP    := $(CROSS)strip
QEMU     ?= qemu-system-riscv64
BUILD    := build

# Freestanding C++20 for RV64IMAC: no FPU state to switch, no exceptions,
# no RTTI, no C++ library.
ARCH_FLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
# The link names the base ISA only, so gcc picks its rv64imac/lp64 libgcc.
LINK_FLAGS := -march=rv64imac -mabi=lp64 -nostdlib -static
CXXFLAGS_RV := $(ARCH_FLAGS) -std=c++20 -O2 -g -Wall -Wextra -ffreestanding -fno-exceptions -fno-rtti \
               -fno-threadsafe-statics -fno-use-cxa-atexit -fcheck-new -fno-stack-protector -fno-omit-frame-pointer \
               -nostdlib -MMD -MP -Ilib
# User space links picolibc (the C library) and lib/rvos, whose POSIX hooks
# picolibc calls; lib/rvos/include overrides picolibc headers it lacks.
# The platform's POSIX features, which picolibc's headers cannot know.
USER_POSIX := -D_POSIX_TIMERS=200809L -D_POSIX_MONOTONIC_CLOCK=200112L
USER_CXXFLAGS := $(filter-out -nostdlib,$(CXXFLAGS_RV)) -Werror=switch --specs=picolibc.specs -ffunction-sections -fdata-sections \
                 $(USER_POSIX)
USER_CFLAGS   := $(ARCH_FLAGS) -std=c11 -O2 -g -Wall -Wextra --specs=picolibc.specs -ffunction-sections -fdata-sections \
                 $(USER_POSIX)
USER_LINK_FLAGS := -march=rv64imac -mabi=lp64 --specs=picolibc.specs -nostartfiles -static -Wl,--gc-sections
export CROSS CXX_RV STRIP ARCH_FLAGS LINK_FLAGS CXXFLAGS_RV USER_CXXFLAGS USER_CFLAGS USER_LINK_FLAGS

# The programs embedded in the kernel image, each started by `run <name>`:
# USER_PROGRAMS live in user/<name>, TEST_PROGRAMS (test-only programs the
# acceptance tests run) in user/tests/<name>. This is the one list.
# DRIVER_PROGRAMS in user/drivers/<name> (init starts them for their devices).
USER_PROGRAMS   := shell fs hello hello-std crash fuzz bench
DRIVER_PROGRAMS := virtio-blk
TEST_PROGRAMS   := limits backpressure spawnloop hog badclient security manyfiles mmaploop abi blktest spinners nest \
                   shmkeep reader errors
PROGRAMS        := $(USER_PROGRAMS) $(DRIVER_PROGRAMS) $(TEST_PROGRAMS)
program_dir      = $(if $(filter $1,$(TEST_PROGRAMS)),user/tests/$1,$(if $(filter $1,$(DRIVER_PROGRAMS)),user/drivers/$1,user/$1))

# virtio-mmio devices speak version 2 (virtio 1.x), not the legacy interface.
QEMU_FLAGS := -machine virt -bios default -m 128M -smp 1 -nographic -no-reboot \
              -global virtio-mmio.force-legacy=false

# ---- The kernel ---------------------------------------------------------------
KERNEL_SRCS := $(shell find kernel -name '*.cpp' -o -name '*.S') lib/base/string.cpp lib/base/format.cpp \
               lib/base/cmem.cpp lib/fdt/fdt.cpp lib/fdt/machine.cpp
KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel-obj/%.o,$(KERNEL_SRCS))
KERNEL := $(BUILD)/kernel.elf
USER_IMAGES := $(patsubst %,$(BUILD)/user/%.elf,$(PROGRAMS))

.PHONY: all build run debug check unit lint test bench bench-quick fuzz deps clean user-programs
all: build
build: $(KERNEL)

$(BUILD)/kernel-obj/%.cpp.o: %.cpp | protocols
	@mkdir -p $(dir $@)
	$(CXX_RV) $(CXXFLAGS_RV) -Ikernel -I$(BUILD)/gen -c $< -o $@

$(BUILD)/kernel-obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CXX_RV) $(ARCH_FLAGS) -c $< -o $@

# The user programs are embedded in the kernel image (stripped ELF files).
$(BUILD)/programs.S: Makefile
	@mkdir -p $(dir $@)
	@{ i=0; for p in $(PROGRAMS); do \
	     printf '    .section .rodata\n    .balign 8\nimage_%d: .incbin "%s.elf"\nimage_%d_end:\nname_%d: .asciz "%s"\n' $$i $$p $$i $$i $$p; \
	     i=$$((i+1)); \
	   done; \
	   printf '    .section .rodata\n    .balign 8\n    .global program_images\nprogram_images:\n'; \
	   i=0; for p in $(PROGRAMS); do printf '    .quad name_%d, image_%d, image_%d_end\n' $$i $$i $$i; i=$$((i+1)); done; \
	   printf '    .quad 0, 0, 0\n'; } > $@

$(BUILD)/programs.o: $(BUILD)/programs.S $(USER_IMAGES)
	$(CXX_RV) $(ARCH_FLAGS) -Wa,-I$(BUILD)/user -c $< -o $@

# Two links: the first finds where every function is; its symbols become a
# table (build/ksyms.S) that the second link appends, for stack traces.
KERNEL_LINK = $(CXX_RV) $(LINK_FLAGS) -T linker/kernel.ld -Wl,--no-warn-rwx-segments
$(BUILD)/kernel.pre.elf: $(KERNEL_OBJS) $(BUILD)/programs.o linker/kernel.ld
	$(KERNEL_LINK) $(KERNEL_OBJS) $(BUILD)/programs.o -lgcc -o $@

$(BUILD)/ksyms.S: $(BUILD)/kernel.pre.elf
	@$(CROSS)nm -n -C --defined-only $< | awk ' \
	    BEGIN { print "    .section .ksyms, \"a\"\n    .balign 8\n    .global kernel_symbols\nkernel_symbols:" } \
	    $$2 ~ /^[tT]$$/ { name = substr($$0, index($$0, $$3)); gsub(/\\/, "\\\\", name); gsub(/"/, "\\\"", name); \
	                      names[n] = name; printf "    .quad 0x%s, .Lname%d\n", $$1, n; n++ } \
	    END { print "    .global kernel_symbol_count\nkernel_symbol_count:\n    .quad " n; \
	          for (i = 0; i < n; i++) printf ".Lname%d: .asciz \"%s\"\n", i, names[i] }' > $@

$(BUILD)/ksyms.o: $(BUILD)/ksyms.S
	$(CXX_RV) $(ARCH_FLAGS) -c $< -o $@

$(KERNEL): $(BUILD)/kernel.pre.elf $(BUILD)/ksyms.o
	$(KERNEL_LINK) $(KERNEL_OBJS) $(BUILD)/programs.o $(BUILD)/ksyms.o -lgcc -o $@

# ---- Protocols -------------------------------------------------------------------
# Each service protocol is declared once in lib/proto/<name>.proto; the
# protocol compiler generates its C++ (build/gen/proto/<name>.h) and its
# page in docs/protocols/ (kept in the tree for readers; lint checks it is
# current).
PROTOS := $(wildcard lib/proto/*.proto)
PROTO_HEADERS := $(patsubst lib/proto/%.proto,$(BUILD)/gen/proto/%.h,$(PROTOS))
.PHONY: protocols protocol-docs
protocols: $(PROTO_HEADERS)
$(BUILD)/gen/proto/%.h: lib/proto/%.proto harness/protogen.py
	@mkdir -p $(dir $@)
	@python3 harness/protogen.py header $< $@
protocol-docs:
	@for p in $(PROTOS); do python3 harness/protogen.py doc $$p docs/protocols/$$(basename $$p .proto).md || exit 1; done

# ---- User space ----------------------------------------------------------------
# Each program has its own Makefile (user/<name>/Makefile or
# user/tests/<name>/Makefile) linking lib/rvos; the test programs also link
# the test kit (user/tests/kit, build/lib/libtestkit.a).
$(BUILD)/lib/librvos.a $(BUILD)/lib/libtestkit.a $(BUILD)/lib/libvirtio.a: user-programs-lib
	@true
.PHONY: user-programs-lib
user-programs-lib: protocols
	@$(MAKE) --no-print-directory -C lib/rvos
	@$(MAKE) --no-print-directory -C user/tests/kit
	@$(MAKE) --no-print-directory -C lib/virtio

$(BUILD)/user/%.elf: user-programs-lib FORCE
	@$(MAKE) --no-print-directory -C $(call program_dir,$*)
FORCE:

-include $(KERNEL_OBJS:.o=.d)

# ---- Running ---------------------------------------------------------------------
run: deps build
	@echo "Booting rvOS-C++ (quit QEMU with Ctrl-A X)"
	$(QEMU) $(QEMU_FLAGS) -kernel $(KERNEL)

debug: deps build
	@echo "QEMU waits for GDB on localhost:1234. In another terminal:"
	@echo "  gdb-multiarch $(KERNEL) -ex 'target remote :1234'"
	$(QEMU) $(QEMU_FLAGS) -kernel $(KERNEL) -s -S

# ---- Testing ---------------------------------------------------------------------
deps:
	@harness/ensure-deps.sh

PYTHON = $(shell harness/find-python.sh)

include tests/unit/unit.mk

lint:
	@$(PYTHON) harness/lint.py
	@$(PYTHON) -m pytest -q -p no:cacheprovider tests/lint tests/harness

test: build
	$(PYTHON) -m pytest -n 2 tests/acceptance

# The benchmark: boot time and the in-guest table (build/bench.txt).
bench: deps build
	@$(PYTHON) harness/bench.py

# A short benchmark run, part of check so the benchmark cannot rot; it
# asserts nothing about speed.
bench-quick: build
	@$(PYTHON) harness/bench.py --quick

# The long fuzzing run: 8 seeds x 500,000 hostile syscalls, counters checked
# after each (FUZZ_ARGS="--seeds 2 --calls 100000" for less).
fuzz: deps build
	@$(PYTHON) harness/fuzz.py $(FUZZ_ARGS)

check: deps
	@$(MAKE) --no-print-directory -j2 build
	@$(MAKE) --no-print-directory -j2 unit
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test
	@$(MAKE) --no-print-directory bench-quick

clean:
	rm -rf $(BUILD)
