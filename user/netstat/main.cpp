// netstat: the network stack's own counts — sockets open, lwIP's TCP and
// UDP control blocks, clients, heap bytes and pool buffers in use, bytes
// waiting to be read. After hostile peers are gone these return to what
// they were before (the acceptance tests compare them).
#include <stdio.h>

#include "rvos/netinfo.h"

int main() {
    auto stats = rvos::net::stack_stats();
    if (stats.is_error()) {
        printf("netstat: no network: %s\n", rvos::error_name(stats.error()));
        return 1;
    }
    auto& s = stats.value();
    printf("netstat: sockets %u tcp_pcbs %u udp_pcbs %u clients %u memory %llu pbufs %u queued %llu\n", s.sockets,
           s.tcp_pcbs, s.udp_pcbs, s.clients, (unsigned long long)s.memory_used, s.pbufs_used,
           (unsigned long long)s.queued_bytes);
    return 0;
}
