# Shared rules for a user program. A program's Makefile sets PROGRAM and
# LIBS (which must include rvos) and includes this file. Output:
# build/user/$(PROGRAM).elf, linked at rvos::kUserBase with linker/user.ld.
ROOT  := ../..
BUILD := $(ROOT)/build
OUT   := $(BUILD)/user
OBJ   := $(OUT)/obj/$(PROGRAM)
SRCS  := $(wildcard *.cpp)
OBJS  := $(patsubst %.cpp,$(OBJ)/%.o,$(SRCS))
LIB_ARCHIVES := $(patsubst %,$(BUILD)/lib/lib%.a,$(LIBS))

$(OUT)/$(PROGRAM).elf: $(OBJS) $(LIB_ARCHIVES) $(ROOT)/linker/user.ld
	$(CXX_RV) $(LINK_FLAGS) -T $(ROOT)/linker/user.ld -Wl,--gc-sections \
	    $(OBJS) -L$(BUILD)/lib $(patsubst %,-l%,$(LIBS)) -lgcc -o $(OUT)/$(PROGRAM).debug.elf
	$(STRIP) -o $@ $(OUT)/$(PROGRAM).debug.elf

$(OBJ)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX_RV) $(CXXFLAGS_RV) -ffunction-sections -fdata-sections -I$(ROOT)/lib -c $< -o $@

-include $(OBJS:.o=.d)
