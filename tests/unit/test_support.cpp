// What the host unit tests stand in for: the scheduler's task_wake (recorded,
// so tests can assert who was woken) and the kernel heap behind queued
// messages (malloc, so ASan sees every node).
#include "test_support.h"

#include <cstdlib>

#include "ipc/channel.h"

namespace {
std::vector<Task*> g_wakes;
}

void task_wake(Task* task) { g_wakes.push_back(task); }

namespace ipc {
void* message_memory_allocate(size_t bytes) { return std::malloc(bytes); }
void message_memory_free(void* memory) { std::free(memory); }
}  // namespace ipc

namespace fake {
const std::vector<Task*>& wakes() { return g_wakes; }
void clear_wakes() { g_wakes.clear(); }
}  // namespace fake
