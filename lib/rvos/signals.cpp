// signal, sigaction, raise, abort and the signal-set functions (see
// signals.h). A handler runs when the process raises its signal itself
// (raise, abort, kill of its own pid); signals from other processes take
// their default action (see process.cpp). signal() keeps the handler
// installed after it runs, as glibc's does.
#include "rvos/signals.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "rvos/syscall.h"

namespace rvos::signals {

namespace {

_sig_func_ptr handlers[NSIG];  // SIG_DFL (null) until set

bool valid(int sig) { return sig > 0 && sig < NSIG; }
bool can_be_caught(int sig) { return sig != SIGKILL && sig != SIGSTOP; }
bool stops(int sig) { return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU; }

int invalid() {
    errno = EINVAL;
    return -1;
}

}  // namespace

bool ignored_by_default(int sig) { return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT; }

int deliver_to_self(int sig) {
    if (sig == 0) return 0;
    if (!valid(sig) || stops(sig)) return invalid();
    _sig_func_ptr handler = handlers[sig];
    if (handler == SIG_IGN) return 0;
    if (handler == SIG_DFL) {
        if (ignored_by_default(sig)) return 0;
        (void)sys::exit_by_signal(sig);  // abnormal end: no atexit handlers, no stdio flush
        return invalid();
    }
    handler(sig);
    return 0;
}

}  // namespace rvos::signals

using rvos::signals::handlers;

extern "C" {

_sig_func_ptr signal(int sig, _sig_func_ptr handler) {
    if (!rvos::signals::valid(sig) || !rvos::signals::can_be_caught(sig) || handler == SIG_ERR) {
        errno = EINVAL;
        return SIG_ERR;
    }
    _sig_func_ptr old = handlers[sig];
    handlers[sig] = handler;
    return old;
}

int raise(int sig) { return rvos::signals::deliver_to_self(sig); }

// No signal is ever blocked (nothing arrives asynchronously), so sa_mask and
// sa_flags have nothing to act on; the handler is what counts.
int sigaction(int sig, const struct sigaction* action, struct sigaction* old) {
    if (!rvos::signals::valid(sig) || (action && !rvos::signals::can_be_caught(sig)))
        return rvos::signals::invalid();
    if (old) {
        old->sa_handler = handlers[sig];
        old->sa_mask = 0;
        old->sa_flags = 0;
    }
    if (action) handlers[sig] = action->sa_handler;
    return 0;
}

// As POSIX asks: SIGABRT ends the process even if its handler returns.
void abort(void) {
    raise(SIGABRT);
    handlers[SIGABRT] = SIG_DFL;
    raise(SIGABRT);
    _Exit(127);  // not reached: the default action ends the process
}

int sigemptyset(sigset_t* set) {
    *set = 0;
    return 0;
}

int sigfillset(sigset_t* set) {
    *set = ~sigset_t{0};
    return 0;
}

int sigaddset(sigset_t* set, int sig) {
    if (!rvos::signals::valid(sig)) return rvos::signals::invalid();
    *set |= sigset_t{1} << sig;
    return 0;
}

int sigdelset(sigset_t* set, int sig) {
    if (!rvos::signals::valid(sig)) return rvos::signals::invalid();
    *set &= ~(sigset_t{1} << sig);
    return 0;
}

int sigismember(const sigset_t* set, int sig) {
    if (!rvos::signals::valid(sig)) return rvos::signals::invalid();
    return (*set >> sig) & 1;
}

}  // extern "C"
