// posix_spawn_file_actions_* (see spawn_actions.h).
#include "rvos/spawn_actions.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/string.h"

struct __posix_spawn_file_actions {
    struct Action {
        enum class Op : uint8_t { Open, Dup2, Close } op;
        int fd;     // the child's descriptor it sets
        int from;   // Dup2: the descriptor copied
        int flags;  // Open
        char* path;  // Open (a copy)
    };
    Action* list;
    size_t count, capacity;
};

namespace rvos::spawn_actions {

namespace {

using Action = __posix_spawn_file_actions::Action;

int add(posix_spawn_file_actions_t* actions, const Action& action) {
    if (!actions || !*actions || action.fd < 0 || action.fd >= fd::kMaxDescriptors) return EBADF;
    auto* a = *actions;
    if (a->count == a->capacity) {
        size_t capacity = a->capacity ? a->capacity * 2 : 4;
        auto* grown = static_cast<Action*>(realloc(a->list, capacity * sizeof(Action)));
        if (!grown) return ENOMEM;
        a->list = grown;
        a->capacity = capacity;
    }
    a->list[a->count++] = action;
    return 0;
}

void set(fd::Open** table, int fd, fd::Open* open) {
    if (table[fd]) fd::release(table[fd]);
    table[fd] = open;
}

// One action on the child's table; 0 or an errno value.
int run(const Action& action, fd::Open** table) {
    switch (action.op) {
    case Action::Op::Close: set(table, action.fd, nullptr); return 0;
    case Action::Op::Dup2:
        if (action.from < 0 || action.from >= fd::kMaxDescriptors || !table[action.from]) return EBADF;
        set(table, action.fd, fd::retain(table[action.from]));
        return 0;
    case Action::Op::Open: {
        // Opened here, then taken out of this program's table: the child's alone.
        int opened = open(action.path, action.flags);
        if (opened < 0) return errno;
        set(table, action.fd, fd::retain(fd::get(opened)));
        close(opened);
        return 0;
    }
    }
    return EINVAL;
}

}  // namespace

int apply(const posix_spawn_file_actions_t* actions, fd::Open* stdio[3]) {
    fd::Open* table[fd::kMaxDescriptors];
    for (int i = 0; i < fd::kMaxDescriptors; i++) table[i] = fd::get(i) ? fd::retain(fd::get(i)) : nullptr;
    int error = 0;
    for (size_t i = 0; actions && *actions && i < (*actions)->count && !error; i++)
        error = run((*actions)->list[i], table);
    for (int i = 0; i < fd::kMaxDescriptors; i++) {
        if (i < 3 && !error) stdio[i] = table[i];
        else if (table[i]) fd::release(table[i]);
    }
    return error;
}

void release(fd::Open* stdio[3]) {
    for (int i = 0; i < 3; i++)
        if (stdio[i]) fd::release(stdio[i]);
}

}  // namespace rvos::spawn_actions

using rvos::spawn_actions::Action;

extern "C" {

int posix_spawn_file_actions_init(posix_spawn_file_actions_t* actions) {
    *actions = static_cast<posix_spawn_file_actions_t>(calloc(1, sizeof(__posix_spawn_file_actions)));
    return *actions ? 0 : ENOMEM;
}

int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t* actions) {
    if (!actions || !*actions) return EINVAL;
    for (size_t i = 0; i < (*actions)->count; i++) free((*actions)->list[i].path);
    free((*actions)->list);
    free(*actions);
    *actions = nullptr;
    return 0;
}

int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t* actions, int fd, const char* path, int flags,
                                     mode_t) {
    size_t length = base::str_length(path);
    auto* copy = static_cast<char*>(malloc(length + 1));
    if (!copy) return ENOMEM;
    base::mem_copy(copy, path, length + 1);
    int error = rvos::spawn_actions::add(actions, Action{Action::Op::Open, fd, -1, flags, copy});
    if (error) free(copy);
    return error;
}

int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t* actions, int fd, int to) {
    if (fd < 0 || fd >= rvos::fd::kMaxDescriptors) return EBADF;
    return rvos::spawn_actions::add(actions, Action{Action::Op::Dup2, to, fd, 0, nullptr});
}

int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t* actions, int fd) {
    return rvos::spawn_actions::add(actions, Action{Action::Op::Close, fd, -1, 0, nullptr});
}

}  // extern "C"
