// Process objects (see process_object.h).
#include "task/process_object.h"

#include "ipc/channel.h"
#include "mm/memory.h"
#include "task/lifecycle.h"

namespace process {

ProcessObject* ProcessObject::create(Task* task) {
    void* memory = mm::kernel_heap().allocate(sizeof(ProcessObject));
    return memory ? new (memory) ProcessObject(task) : nullptr;
}

void ProcessObject::last_reference_gone() {
    if (task_) {
        task_->process = nullptr;
        // Nobody can wait for it or stop it any more: a user process ends.
        if (!task_->is_kernel) lifecycle::kill(task_);
    }
    this->~ProcessObject();
    mm::kernel_heap().free(this);
}

bool ProcessObject::traced() const { return task_ && !task_->is_kernel; }

void ProcessObject::trace(ipc::Marker& marker) {
    task_->handles.for_each([&](ipc::Object& object) { marker.mark(object); });
}

void ProcessObject::ended(rvos::ExitReason reason, int32_t code, uint64_t cpu_ns) {
    task_ = nullptr;
    reason_ = reason;
    code_ = code;
    cpu_ns_ = cpu_ns;
    notify();
}

}  // namespace process
