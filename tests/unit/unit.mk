# Host-side unit tests (GoogleTest) for the hardware-free kernel and library
# code, built with the host compiler under AddressSanitizer and UBSan.
# Included by the top-level Makefile; also usable on its own from the repo
# root:   make -f tests/unit/unit.mk unit

HOST_CXX ?= g++

UNIT_BUILD := build/host
UNIT_OBJ_DIR := $(UNIT_BUILD)/unit
UNIT_BIN := $(UNIT_BUILD)/unit_tests

UNIT_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_CXXFLAGS := -std=c++20 -DRVOS_HOSTED -Ilib -Ikernel -Ibuild/gen -g -O1 $(UNIT_SANITIZE) \
                 -Wall -Wextra -MMD -MP
UNIT_LDFLAGS := $(UNIT_SANITIZE)
UNIT_LIBS := -lgtest -lgtest_main -pthread

# The code under test (lib/base/cmem.cpp is deliberately left out: on the host
# it would replace libc's memcpy/memset under the sanitizers).
UNIT_CODE_SRCS := \
    kernel/ipc/channel.cpp \
    kernel/ipc/object.cpp \
    kernel/ipc/handle_table.cpp \
    kernel/mm/frame_allocator.cpp \
    kernel/mm/heap.cpp \
    kernel/mm/page_runs.cpp \
    kernel/mm/region_map.cpp \
    kernel/lib/symbols.cpp \
    kernel/services/line_discipline.cpp \
    kernel/task/elf.cpp \
    lib/base/string.cpp \
    lib/base/format.cpp \
    lib/fdt/fdt.cpp \
    lib/fdt/machine.cpp \
    lib/rvos/allocator.cpp \
    lib/rvos/tlsf.cpp \
    lib/virtio/queue.cpp \
    lib/base/path.cpp \
    lib/base/command.cpp \
    lib/base/sha256.cpp \
    user/fs/tree.cpp \
    user/shell/parse.cpp \
    user/shell/line_editor.cpp \
    user/fs/page_store.cpp
# The ext2 library (its tests drive mke2fs, e2fsck and debugfs: e2fsprogs).
UNIT_CODE_SRCS += $(wildcard lib/ext2/*.cpp)
UNIT_TEST_SRCS := $(sort $(wildcard tests/unit/*.cpp))
UNIT_SRCS := $(UNIT_CODE_SRCS) $(UNIT_TEST_SRCS)
UNIT_OBJS := $(patsubst %.cpp,$(UNIT_OBJ_DIR)/%.o,$(UNIT_SRCS))
UNIT_DEPS := $(UNIT_OBJS:.o=.d)

# halt_on_error keeps a sanitizer report fatal, so `make unit` fails on it.
UNIT_RUN_ENV := ASAN_OPTIONS=halt_on_error=1:detect_stack_use_after_return=1 \
                UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: unit unit-build unit-clean

# The device trees QEMU's virt machine gives at several RAM sizes, for the
# device tree tests (QEMU writes the tree and exits).
QEMU ?= qemu-system-riscv64
UNIT_DTBS := $(patsubst %,$(UNIT_BUILD)/dtb/virt-%.dtb,128M 256M 1G)
$(UNIT_BUILD)/dtb/virt-%.dtb:
	@mkdir -p $(@D)
	@$(QEMU) -machine virt,dumpdtb=$@ -m $* -nographic -bios none >/dev/null 2>&1

unit: $(UNIT_BIN) $(UNIT_DTBS)
	$(UNIT_RUN_ENV) ./$(UNIT_BIN) --gtest_brief=1

unit-build: $(UNIT_BIN)

# The ext2 model and damaged-image tests at 5 times their operations and
# images (minutes; not part of check). RVOS_RANDOM_SEED=N reruns one seed.
.PHONY: unit-ext2-long
unit-ext2-long: $(UNIT_BIN)
	$(UNIT_RUN_ENV) RVOS_RANDOM_SCALE=5 ./$(UNIT_BIN) --gtest_brief=1 --gtest_filter='*Ext2Random*:*Ext2Fuzz*'

unit-clean:
	rm -rf $(UNIT_OBJ_DIR) $(UNIT_BIN)

$(UNIT_BIN): $(UNIT_OBJS)
	@mkdir -p $(@D)
	$(HOST_CXX) $(UNIT_LDFLAGS) -o $@ $(UNIT_OBJS) $(UNIT_LIBS)

$(UNIT_OBJ_DIR)/%.o: %.cpp tests/unit/unit.mk | protocols
	@mkdir -p $(@D)
	$(HOST_CXX) $(UNIT_CXXFLAGS) -c $< -o $@

-include $(UNIT_DEPS)
