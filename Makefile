# rvOS-C++ — build, run and test. Plain make; see README.md for the targets.

CROSS    ?= riscv64-unknown-elf-
CXX_RV   := $(CROSS)g++
OBJCOPY  := $(CROSS)objcopy
STRIP    := $(CROSS)strip
QEMU     ?= qemu-system-riscv64
BUILD    := build

# The kernel: freestanding C++20 for RV64IMAC, integer only — it never
# touches the FP registers itself (kernel/arch/fpu.S, which saves and
# restores user FP state, is the one exception), no exceptions, no RTTI, no
# C++ library.
ARCH_FLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
# The link names the base ISA only, so gcc picks its rv64imac/lp64 libgcc.
LINK_FLAGS := -march=rv64imac -mabi=lp64 -nostdlib -static
COMMON_CXXFLAGS := -std=c++20 -O2 -g -Wall -Wextra -ffreestanding -fno-exceptions -fno-rtti \
                   -fno-threadsafe-statics -fno-use-cxa-atexit -fcheck-new -fno-stack-protector -fno-omit-frame-pointer \
                   -MMD -MP -Ilib
CXXFLAGS_RV := $(ARCH_FLAGS) $(COMMON_CXXFLAGS) -nostdlib
# User space (programs, lib/rvos, the test kit) has hardware floating point:
# RV64GC with the lp64d ABI, picolibc's rv64imafdc/lp64d multilib and gcc's
# default (rv64imafdc/lp64d) libgcc. The kernel switches FP state lazily.
USER_ARCH_FLAGS := -march=rv64gc -mabi=lp64d -mcmodel=medany
# User space links picolibc (the C library) and lib/rvos, whose POSIX hooks
# picolibc calls; lib/rvos/include overrides picolibc headers it lacks.
# The platform's POSIX features, which picolibc's headers cannot know.
USER_POSIX := -D_POSIX_TIMERS=200809L -D_POSIX_MONOTONIC_CLOCK=200112L -D_POSIX_CPUTIME=200809L \
              -D_POSIX_THREAD_CPUTIME=200809L
USER_CXXFLAGS := $(USER_ARCH_FLAGS) $(COMMON_CXXFLAGS) -Werror=switch --specs=picolibc.specs -ffunction-sections -fdata-sections \
                 $(USER_POSIX)
USER_CFLAGS   := $(USER_ARCH_FLAGS) -std=c11 -O2 -g -Wall -Wextra --specs=picolibc.specs -ffunction-sections -fdata-sections \
                 $(USER_POSIX)
USER_LINK_FLAGS := $(USER_ARCH_FLAGS) --specs=picolibc.specs -nostartfiles -static -Wl,--gc-sections
# Every object depends on the flags it is compiled with, kept in
# build/flags.txt and rewritten only when they change: a change of flags
# rebuilds everything they built, so old and new objects (soft- and
# hard-float, say) are never linked together.
FLAGS_FILE := $(abspath $(BUILD)/flags.txt)
FLAGS_NOW  := $(CXXFLAGS_RV) | $(USER_CXXFLAGS) | $(USER_CFLAGS) | $(USER_LINK_FLAGS)
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(FLAGS_FILE) 2>/dev/null)" = '$(FLAGS_NOW)' ] || echo '$(FLAGS_NOW)' > $(FLAGS_FILE); })
export CROSS CXX_RV STRIP FLAGS_FILE ARCH_FLAGS USER_ARCH_FLAGS LINK_FLAGS CXXFLAGS_RV USER_CXXFLAGS USER_CFLAGS USER_LINK_FLAGS

# Third-party programs, as <program>:<Debian source package>: each is built
# from its package's sources, fetched at build time into
# build/third_party/<package> (harness/fetch-source.sh, run by `make build`).
# A program whose sources could not be had is left out of the image (the
# fetch says why, in one line) and everything else still builds.
THIRD_PARTY := lua:lua5.4 net:lwip
third_party_ready = $(if $(wildcard $(BUILD)/third_party/$1.unavailable),,$(wildcard $(BUILD)/third_party/$1/.rvos-unpacked))
THIRD_PARTY_PROGRAMS := $(foreach t,$(THIRD_PARTY),$(if $(call third_party_ready,$(lastword $(subst :, ,$t))),$(firstword $(subst :, ,$t))))

# The programs, each started by `run <name>`: USER_PROGRAMS live in
# user/<name>, TEST_PROGRAMS (test-only programs the acceptance tests run)
# in user/tests/<name>, DRIVER_PROGRAMS in user/drivers/<name> (init starts
# them for their devices), TOOL_PROGRAMS (the small POSIX tools, one file
# each) in user/tools. This is the one list. Every program is in /bin on
# the root disk; EMBEDDED_PROGRAMS are also in the kernel image: what it
# takes to reach the disk (the disk's driver and file server), to work
# without one (the shell and the RAM file system), and what init starts
# for a device itself (the network driver and stack). Every other program
# is loaded from /bin.
USER_PROGRAMS   := shell fs ext2 hello hello-std crash fuzz bench ifconfig netstat ping nc httpd wget $(THIRD_PARTY_PROGRAMS)
DRIVER_PROGRAMS := virtio-blk virtio-net
TOOL_PROGRAMS   := cat cp mv rm mkdir ls wc head tail grep sort uniq hexdump sha256sum env sleep date true false \
                   kill df ln touch stat readlink chmod
TEST_PROGRAMS   := limits backpressure spawnloop hog badclient security manyfiles mmaploop abi blktest spinners nest \
                   shmkeep reader errors libc park fshog fpregs alloc disktest socktest loader polltest
PROGRAMS        := $(USER_PROGRAMS) $(DRIVER_PROGRAMS) $(TEST_PROGRAMS) $(TOOL_PROGRAMS)
EMBEDDED_PROGRAMS := shell fs ext2 virtio-blk virtio-net $(filter net,$(THIRD_PARTY_PROGRAMS))
program_dir      = $(if $(filter $1,$(TEST_PROGRAMS)),user/tests/$1,$(if $(filter $1,$(DRIVER_PROGRAMS)),user/drivers/$1,$(if $(filter $1,$(TOOL_PROGRAMS)),user/tools,user/$1)))

# virtio-mmio devices speak version 2 (virtio 1.x), not the legacy interface.
QEMU_FLAGS := -machine virt -bios default -m 128M -smp 1 -nographic -no-reboot \
              -global virtio-mmio.force-legacy=false

# ---- The kernel ---------------------------------------------------------------
KERNEL_SRCS := $(shell find kernel -name '*.cpp' -o -name '*.S') lib/base/string.cpp lib/base/format.cpp \
               lib/base/cmem.cpp lib/fdt/fdt.cpp lib/fdt/machine.cpp
KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel-obj/%.o,$(KERNEL_SRCS))
KERNEL := $(BUILD)/kernel.elf
USER_IMAGES := $(patsubst %,$(BUILD)/user/%.elf,$(PROGRAMS))
EMBEDDED_IMAGES := $(patsubst %,$(BUILD)/user/%.elf,$(EMBEDDED_PROGRAMS))

.PHONY: all build run debug check unit lint test bench bench-quick fuzz deps clean clean-disk user-programs sources disk
all: build
# The sources first, then (in a new make, which sees what arrived) the image.
build: sources
	@$(MAKE) --no-print-directory $(KERNEL) disk

# Fetches (or finds, cached) the third-party sources; never fails the build.
# `make check` tries once: its later steps run with RVOS_SOURCES_TRIED set.
sources:
	@[ -n "$$RVOS_SOURCES_TRIED" ] || for t in $(THIRD_PARTY); do harness/fetch-source.sh $${t#*:} || true; done

$(BUILD)/kernel-obj/%.cpp.o: %.cpp $(FLAGS_FILE) | protocols
	@mkdir -p $(dir $@)
	$(CXX_RV) $(CXXFLAGS_RV) -Ikernel -I$(BUILD)/gen -c $< -o $@

$(BUILD)/kernel-obj/%.S.o: %.S $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX_RV) $(ARCH_FLAGS) -c $< -o $@

# The embedded programs are in the kernel image (stripped ELF files).
# programs.list changes when the list does.
$(BUILD)/programs.list: FORCE
	@mkdir -p $(dir $@)
	@echo "$(EMBEDDED_PROGRAMS)" | cmp -s - $@ || echo "$(EMBEDDED_PROGRAMS)" > $@

$(BUILD)/programs.S: Makefile $(BUILD)/programs.list
	@mkdir -p $(dir $@)
	@{ i=0; for p in $(EMBEDDED_PROGRAMS); do \
	     printf '    .section .rodata\n    .balign 8\nimage_%d: .incbin "%s.elf"\nimage_%d_end:\nname_%d: .asciz "%s"\n' $$i $$p $$i $$i $$p; \
	     i=$$((i+1)); \
	   done; \
	   printf '    .section .rodata\n    .balign 8\n    .global program_images\nprogram_images:\n'; \
	   i=0; for p in $(EMBEDDED_PROGRAMS); do printf '    .quad name_%d, image_%d, image_%d_end\n' $$i $$i $$i; i=$$((i+1)); done; \
	   printf '    .quad 0, 0, 0\n'; } > $@

$(BUILD)/programs.o: $(BUILD)/programs.S $(EMBEDDED_IMAGES)
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

# ---- The root disk ---------------------------------------------------------------
# build/disk.img: an ext2 volume with /bin/<every program>, user/rootfs's files
# (/etc/motd, ...) and an empty /home, made by mke2fs -d. harness/make-disk.sh
# makes it again only when what it would hold changes, so user data survives
# `make run` twice; `make clean-disk` starts over.
DISK      := $(BUILD)/disk.img
DISK_SIZE := 64M
DISK_QEMU := -drive file=$(DISK),if=none,format=raw,id=disk0 -device virtio-blk-device,drive=disk0
disk: $(USER_IMAGES)
	@harness/make-disk.sh $(DISK) $(DISK_SIZE) $(USER_IMAGES)
clean-disk:
	rm -rf $(DISK) $(DISK).manifest $(BUILD)/root

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
$(BUILD)/lib/librvos.a $(BUILD)/lib/libtestkit.a $(BUILD)/lib/libvirtio.a $(BUILD)/lib/libext2.a: user-programs-lib
	@true
.PHONY: user-programs-lib
user-programs-lib: protocols
	@$(MAKE) --no-print-directory -C lib/rvos
	@$(MAKE) --no-print-directory -C user/tests/kit
	@$(MAKE) --no-print-directory -C lib/virtio
	@$(MAKE) --no-print-directory -C lib/ext2

$(BUILD)/user/%.elf: user-programs-lib FORCE
	@$(MAKE) --no-print-directory -C $(call program_dir,$*) $(if $(filter $*,$(TOOL_PROGRAMS)),PROGRAM=$*)
FORCE:

-include $(KERNEL_OBJS:.o=.d)

# ---- Running ---------------------------------------------------------------------
# The network card: QEMU's user network (the guest gets 10.0.2.15 by DHCP
# and reaches this machine's loopback as 10.0.2.2), with the guest's port 80
# forwarded from HTTP_PORT on 127.0.0.1 (a free one unless given).
FREE_PORT := python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
NET_QEMU = -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$$port-:80 -device virtio-net-device,netdev=n0
run: deps build
	@port=$${HTTP_PORT:-$$($(FREE_PORT))}; \
	 echo "Booting rvOS-C++ (quit QEMU with Ctrl-A X)"; \
	 echo "Network: the guest's port 80 is http://127.0.0.1:$$port/ here (start it with: run httpd &)"; \
	 echo "$(QEMU) $(QEMU_FLAGS) $(DISK_QEMU) $(NET_QEMU) -kernel $(KERNEL)"; \
	 $(QEMU) $(QEMU_FLAGS) $(DISK_QEMU) $(NET_QEMU) -kernel $(KERNEL)

debug: deps build
	@echo "QEMU waits for GDB on localhost:1234. In another terminal:"
	@echo "  gdb-multiarch $(KERNEL) -ex 'target remote :1234'"
	$(QEMU) $(QEMU_FLAGS) $(DISK_QEMU) -kernel $(KERNEL) -s -S

# ---- Testing ---------------------------------------------------------------------
deps:
	@harness/ensure-deps.sh

PYTHON = $(shell harness/find-python.sh)

# The C library checks (user/tests/libc) built for the host as well:
# test_libc.py requires the same answers from both C libraries.
HOST_LIBC := $(BUILD)/host/libc
$(HOST_LIBC): user/tests/libc/main.c
	@mkdir -p $(dir $@)
	gcc -std=c11 -O1 -Wall -Wextra -o $@ $<

include tests/unit/unit.mk

lint:
	@$(PYTHON) harness/lint.py
	@$(PYTHON) -m pytest -q -p no:cacheprovider tests/lint tests/harness

# -rs: a skipped test says why (Lua's, when its sources were not available).
test: build $(HOST_LIBC)
	$(PYTHON) -m pytest -n 2 -rs tests/acceptance

# The benchmark: boot time, the in-guest table, the rows against the host
# (hostbench.py) and the network rows, into build/bench.txt.
bench: deps build
	@$(PYTHON) harness/bench.py
	@$(PYTHON) harness/hostbench.py
	@$(PYTHON) harness/netbench.py

# A short benchmark run, part of check so the benchmark cannot rot; it
# asserts nothing about speed.
bench-quick: build
	@$(PYTHON) harness/bench.py --quick
	@$(PYTHON) harness/hostbench.py --quick
	@$(PYTHON) harness/netbench.py --quick

# The long fuzzing run: 8 seeds x 500,000 hostile syscalls, counters checked
# after each (FUZZ_ARGS="--seeds 2 --calls 100000" for less).
fuzz: deps build
	@$(PYTHON) harness/fuzz.py $(FUZZ_ARGS)

check: deps
	@$(MAKE) --no-print-directory -j2 build
	@RVOS_SOURCES_TRIED=1 $(MAKE) --no-print-directory -j2 unit
	@RVOS_SOURCES_TRIED=1 $(MAKE) --no-print-directory lint
	@RVOS_SOURCES_TRIED=1 $(MAKE) --no-print-directory test
	@RVOS_SOURCES_TRIED=1 $(MAKE) --no-print-directory bench-quick

clean:
	rm -rf $(BUILD)
