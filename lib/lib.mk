# Shared rules for a library built for user space (lib/virtio, lib/ext2):
# its Makefile sets NAME and includes this file. Output:
# build/lib/lib$(NAME).a, which programs link with LIBS := rvos $(NAME).
# Every object depends on FLAGS_FILE (from the top Makefile), so a change of
# flags rebuilds it.
ROOT  := ../..
BUILD := $(ROOT)/build
OUT   := $(BUILD)/lib
SRCS  := $(wildcard *.cpp)
OBJS  := $(patsubst %.cpp,$(OUT)/obj/lib/$(NAME)/%.o,$(SRCS))
INCLUDES := -I$(ROOT)/lib/rvos/include -I$(ROOT)/lib -I$(BUILD)/gen

$(OUT)/lib$(NAME).a: $(OBJS)
	@rm -f $@
	$(CROSS)ar rcs $@ $^

$(OUT)/obj/lib/$(NAME)/%.o: %.cpp $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(CXX_RV) $(USER_CXXFLAGS) $(INCLUDES) -c $< -o $@

-include $(OBJS:.o=.d)
