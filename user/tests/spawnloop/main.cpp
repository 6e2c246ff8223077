// spawnloop: starts a trivial child N times in a row, each waited for, to
// show that process creation and exit give back everything they took
// (milestone item 6: page-table frames are freed exactly once).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvos/service.h"

int main(int argc, char** argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0) return 0;
    int count = argc > 1 ? atoi(argv[1]) : 50;
    int succeeded = 0;
    for (int i = 0; i < count; i++) {
        auto child = rvos::spawn("spawnloop", "child");
        if (child.is_error()) {
            printf("spawnloop: spawn %d: %s\n", i, rvos::error_name(child.error()));
            break;
        }
        auto status = rvos::wait_exit(child.value());
        if (!status.is_error() && status.value().reason == rvos::ExitReason::Exited && status.value().code == 0)
            succeeded++;
    }
    printf("spawnloop: %d of %d children ran and exited\n", succeeded, count);
    return succeeded == count ? 0 : 1;
}
