// Interrupt polling: the one place that looks at what is pending (the
// timer, the PLIC) and hands it on — deadlines and the time slice to the
// clock, device lines to their interrupt objects.
#pragma once

namespace platform {

// Handles pending timer and external interrupts; true if the running
// task's time slice is over.
bool poll_interrupts();

}  // namespace platform
