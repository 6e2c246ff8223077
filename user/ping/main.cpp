// ping [-c count] [-s size] <address>: ICMP echo requests, one every 0.2 s,
// with each reply's round-trip time, then a summary (as iputils' ping).
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rvos/netinfo.h"

int main(int argc, char** argv) {
    int count = 4, size = 56;
    const char* host = nullptr;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc) count = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-s") && i + 1 < argc) size = atoi(argv[++i]);
        else host = argv[i];
    }
    if (!host || count < 1 || size < 0 || size > 1400) {
        printf("usage: ping [-c count] [-s size (0-1400)] <address>\n");
        return 2;
    }
    struct addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    struct addrinfo* found = nullptr;
    if (getaddrinfo(host, nullptr, &hints, &found) != 0) {
        printf("ping: %s: Name or service not known\n", host);
        return 2;
    }
    uint32_t ip = ntohl(reinterpret_cast<struct sockaddr_in*>(found->ai_addr)->sin_addr.s_addr);
    freeaddrinfo(found);
    char text[16];
    snprintf(text, sizeof text, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    printf("PING %s (%s) %d data bytes\n", host, text, size);
    int received = 0;
    uint64_t min = ~0ull, max = 0, total = 0;
    for (int seq = 1; seq <= count; seq++) {
        auto reply = rvos::net::ping(ip, static_cast<uint16_t>(seq), static_cast<uint32_t>(size), 1000);
        if (reply.is_error()) {
            printf("no reply from %s: icmp_seq=%d (%s)\n", text, seq, rvos::error_name(reply.error()));
            continue;
        }
        uint64_t us = reply.value().rtt_us;
        printf("%u bytes from %s: icmp_seq=%d ttl=%u time=%llu.%03llu ms\n", reply.value().size + 8, text, seq,
               reply.value().ttl, (unsigned long long)(us / 1000), (unsigned long long)(us % 1000));
        received++;
        min = us < min ? us : min;
        max = us > max ? us : max;
        total += us;
        if (seq < count) { struct timespec t{0, 200000000}; nanosleep(&t, nullptr); }
    }
    printf("--- %s ping statistics ---\n%d packets transmitted, %d received, %d%% packet loss\n", host, count, received,
           (count - received) * 100 / count);
    if (received)
        printf("rtt min/avg/max = %llu.%03llu/%llu.%03llu/%llu.%03llu ms\n", (unsigned long long)(min / 1000),
               (unsigned long long)(min % 1000), (unsigned long long)(total / received / 1000),
               (unsigned long long)(total / received % 1000), (unsigned long long)(max / 1000),
               (unsigned long long)(max % 1000));
    return received ? 0 : 1;
}
