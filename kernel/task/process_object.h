// The process object: what a process handle names. It is waitable (Exited
// once the process has ended), tells how the process ended — the reason
// apart from the exit code, so a program cannot pass for killed — and can
// end the process. Nothing can be sent on it. It outlives its task while
// handles remain; when the last handle goes first, a user process nobody
// can wait for or stop any more is ended. For garbage collection a live
// user process leads to whatever its handles name: a process is reachable
// only through its process object (see process::collect_garbage).
#pragma once

#include "ipc/object.h"

namespace process {

class ProcessObject final : public ipc::Object {
public:
    static ProcessObject* create(Task* task);  // null when out of memory
    rvos::Signals signals() const override { return reason_ == rvos::ExitReason::Running ? 0 : rvos::kSignalExited; }
    void last_reference_gone() override;
    bool traced() const override;
    void trace(ipc::Marker& marker) override;

    // The task ended: record how and the CPU time it used, wake whoever waits.
    void ended(rvos::ExitReason reason, int32_t code, uint64_t cpu_ns);
    rvos::ExitReason reason() const { return reason_; }
    int32_t code() const { return code_; }
    uint64_t cpu_ns() const { return cpu_ns_; }
    Task* task() const { return task_; }

private:
    explicit ProcessObject(Task* task) : Object(Kind::Process), task_(task) {}

    Task* task_;  // null once ended
    rvos::ExitReason reason_ = rvos::ExitReason::Running;
    int32_t code_ = 0;
    uint64_t cpu_ns_ = 0;
};

}  // namespace process

template <> struct ipc::KindOf<process::ProcessObject> {
    static constexpr Object::Kind value = Object::Kind::Process;
};
