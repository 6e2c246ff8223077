// ifconfig: the network interface — hardware address, IPv4 address, mask
// and gateway (from DHCP), MTU and frame counters.
#include <arpa/inet.h>
#include <stdio.h>

#include "rvos/netinfo.h"

static const char* dotted(uint32_t ip, char* text) {
    snprintf(text, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    return text;
}

int main() {
    auto info = rvos::net::interface_info();
    if (info.is_error()) {
        printf("ifconfig: no network: %s\n", rvos::error_name(info.error()));
        return 1;
    }
    auto& i = info.value();
    char a[16], m[16], g[16];
    printf("en0: mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u\n", i.mac[0], i.mac[1], i.mac[2], i.mac[3], i.mac[4],
           i.mac[5], i.mtu);
    if (i.configured)
        printf("     inet %s netmask %s gateway %s (DHCP)\n", dotted(i.ip, a), dotted(i.mask, m), dotted(i.gateway, g));
    else
        printf("     inet (none yet: waiting for DHCP)\n");
    printf("     rx frames %llu dropped %llu, tx frames %llu dropped %llu\n", (unsigned long long)i.rx_frames,
           (unsigned long long)i.rx_dropped, (unsigned long long)i.tx_frames, (unsigned long long)i.tx_dropped);
    return 0;
}
