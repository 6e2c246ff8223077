# Shared rules for a user program. A program's Makefile sets PROGRAM and
# LIBS (which must include rvos) and includes this file by its relative path
# (../program.mk from user/<name>, ../../program.mk from user/tests/<name>).
# Its own sources are the *.cpp and *.c files beside its Makefile (or
# OWN_SRCS); a program
# built from third-party sources (user/lua) also sets C_SRC_DIR, C_SRCS (C
# files there, by name) and C_FLAGS (flags for those).
# Output: build/user/$(PROGRAM).elf, linked at rvos::kUserBase with
# linker/user.ld, against lib/rvos and picolibc.
# ROOT is the repository root relative to the program's directory, found from
# where this file was included from (so it stays relative at any depth); it
# must be computed before anything else is included.
ROOT  := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))/..
BUILD := $(ROOT)/build
OUT   := $(BUILD)/user
OBJ   := $(OUT)/obj/$(PROGRAM)
# A directory of several programs (user/tools) names each one's own
# sources in OWN_SRCS; otherwise they are every *.cpp and *.c here.
OWN_SRCS ?= $(wildcard *.cpp *.c)
SRCS  := $(filter %.cpp,$(OWN_SRCS))
OBJS  := $(patsubst %.cpp,$(OBJ)/%.o,$(SRCS)) $(patsubst %.c,$(OBJ)/%.c.o,$(filter %.c,$(OWN_SRCS))) \
         $(patsubst %.c,$(OBJ)/third_party/%.o,$(C_SRCS))
LIB_ARCHIVES := $(patsubst %,$(BUILD)/lib/lib%.a,$(LIBS))
INCLUDES := -I$(ROOT)/lib/rvos/include -I$(ROOT)/lib -I$(ROOT)/user -I$(BUILD)/gen

# lib/rvos is linked whole: picolibc calls back into its POSIX hooks, and
# --gc-sections drops whatever the program does not use.
$(OUT)/$(PROGRAM).elf: $(OBJS) $(LIB_ARCHIVES) $(ROOT)/linker/user.ld $(FLAGS_FILE)
	$(CROSS)gcc $(USER_LINK_FLAGS) -T $(ROOT)/linker/user.ld $(OBJS) -L$(BUILD)/lib \
	    -Wl,--whole-archive $(patsubst %,-l%,$(LIBS)) -Wl,--no-whole-archive -o $(OUT)/$(PROGRAM).debug.elf
	$(STRIP) -o $@ $(OUT)/$(PROGRAM).debug.elf

# FLAGS_FILE (from the top Makefile) changes when the compiler flags do.
$(OBJ)/%.o: %.cpp $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX_RV) $(USER_CXXFLAGS) $(INCLUDES) -c $< -o $@

$(OBJ)/%.c.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CROSS)gcc $(USER_CFLAGS) -MMD -MP $(INCLUDES) -c $< -o $@

$(OBJ)/third_party/%.o: $(C_SRC_DIR)/%.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CROSS)gcc $(USER_CFLAGS) $(C_FLAGS) -MMD -MP $(INCLUDES) -c $< -o $@

-include $(OBJS:.o=.d)
