#include "test_support.h"

#include "ipc/channel.h"

namespace {
std::vector<Task*> g_wakes;
}

void task_wake(Task* task) { g_wakes.push_back(task); }

namespace fake {
const std::vector<Task*>& wakes() { return g_wakes; }
void clear_wakes() { g_wakes.clear(); }
}  // namespace fake
