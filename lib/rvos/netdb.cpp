// Addresses as text (inet_pton, inet_ntop, ...) and getaddrinfo for
// numeric IPv4 addresses and the names in /etc/hosts (no DNS).
#define _DEFAULT_SOURCE 1  // strtok_r, strcasecmp
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

namespace {

// Dotted decimal, four parts of 0..255 (no octal or hex, as inet_pton).
bool parse_ipv4(const char* text, uint32_t& out) {
    uint32_t value = 0;
    for (int part = 0; part < 4; part++) {
        if (!isdigit(static_cast<unsigned char>(*text))) return false;
        uint32_t n = 0;
        int digits = 0;
        while (isdigit(static_cast<unsigned char>(*text))) {
            if (digits > 0 && n == 0) return false;  // a leading zero
            n = n * 10 + static_cast<uint32_t>(*text++ - '0');
            if (++digits > 3 || n > 255) return false;
        }
        value = value << 8 | n;
        if (part < 3 && *text++ != '.') return false;
    }
    if (*text) return false;
    out = value;
    return true;
}

// The address /etc/hosts gives `name`, if it names it.
bool lookup_hosts(const char* name, uint32_t& out) {
    FILE* f = fopen("/etc/hosts", "r");
    if (!f) return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        char* hash = strchr(line, '#');
        if (hash) *hash = 0;
        char* save = nullptr;
        char* address = strtok_r(line, " \t\r\n", &save);
        uint32_t ip = 0;
        if (!address || !parse_ipv4(address, ip)) continue;
        for (char* alias = strtok_r(nullptr, " \t\r\n", &save); alias; alias = strtok_r(nullptr, " \t\r\n", &save))
            if (strcasecmp(alias, name) == 0) {
                out = ip;
                found = true;
                break;
            }
    }
    fclose(f);
    return found;
}

}  // namespace

extern "C" {

int inet_pton(int family, const char* text, void* address) {
    if (family != AF_INET) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    uint32_t ip = 0;
    if (!text || !parse_ipv4(text, ip)) return 0;
    uint32_t network = htonl(ip);
    memcpy(address, &network, 4);
    return 1;
}

const char* inet_ntop(int family, const void* address, char* text, socklen_t size) {
    if (family != AF_INET) {
        errno = EAFNOSUPPORT;
        return nullptr;
    }
    const uint8_t* b = static_cast<const uint8_t*>(address);
    char out[INET_ADDRSTRLEN];
    int n = snprintf(out, sizeof out, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    if (n < 0 || static_cast<socklen_t>(n) >= size) {
        errno = ENOSPC;
        return nullptr;
    }
    memcpy(text, out, static_cast<size_t>(n) + 1);
    return text;
}

int inet_aton(const char* text, struct in_addr* address) {
    uint32_t ip = 0;
    if (!text || !parse_ipv4(text, ip)) return 0;
    address->s_addr = htonl(ip);
    return 1;
}

uint32_t inet_addr(const char* text) {
    uint32_t ip = 0;
    return text && parse_ipv4(text, ip) ? htonl(ip) : INADDR_NONE;
}

char* inet_ntoa(struct in_addr address) {
    static char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &address, text, sizeof text);
    return text;
}

int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints, struct addrinfo** result) {
    if (!result || (!node && !service)) return EAI_NONAME;
    int family = hints ? hints->ai_family : AF_UNSPEC;
    int flags = hints ? hints->ai_flags : 0;
    if (family != AF_UNSPEC && family != AF_INET) return EAI_FAMILY;
    uint16_t port = 0;
    if (service) {
        char* end = nullptr;
        long n = strtol(service, &end, 10);
        if (*service == 0 || *end || n < 0 || n > 65535) return EAI_SERVICE;  // no /etc/services
        port = static_cast<uint16_t>(n);
    }
    uint32_t ip = 0;
    if (!node) ip = (flags & AI_PASSIVE) ? INADDR_ANY : INADDR_LOOPBACK;
    else if (!parse_ipv4(node, ip) && ((flags & AI_NUMERICHOST) || !lookup_hosts(node, ip))) return EAI_NONAME;
    // One entry per socket type asked for (both when none is).
    int types[2] = {SOCK_STREAM, SOCK_DGRAM};
    int type_count = 2;
    if (hints && hints->ai_socktype) {
        if (hints->ai_socktype != SOCK_STREAM && hints->ai_socktype != SOCK_DGRAM) return EAI_SOCKTYPE;
        types[0] = hints->ai_socktype;
        type_count = 1;
    }
    struct addrinfo* head = nullptr;
    for (int i = type_count - 1; i >= 0; i--) {
        struct Entry {
            struct addrinfo info;
            struct sockaddr_in address;
        };
        Entry* e = static_cast<Entry*>(calloc(1, sizeof(Entry)));
        if (!e) {
            freeaddrinfo(head);
            return EAI_MEMORY;
        }
        e->address.sin_family = AF_INET;
        e->address.sin_port = htons(port);
        e->address.sin_addr.s_addr = htonl(ip);
        e->info.ai_family = AF_INET;
        e->info.ai_socktype = types[i];
        e->info.ai_protocol = types[i] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
        e->info.ai_addrlen = sizeof(struct sockaddr_in);
        e->info.ai_addr = reinterpret_cast<struct sockaddr*>(&e->address);
        e->info.ai_next = head;
        head = &e->info;
    }
    *result = head;
    return 0;
}

void freeaddrinfo(struct addrinfo* list) {
    while (list) {
        struct addrinfo* next = list->ai_next;
        free(list);  // the entry and its address are one block
        list = next;
    }
}

const char* gai_strerror(int code) {
    switch (code) {
    case 0: return "Success";
    case EAI_NONAME: return "Name or service not known";
    case EAI_FAMILY: return "ai_family not supported";
    case EAI_SOCKTYPE: return "ai_socktype not supported";
    case EAI_SERVICE: return "Servname not supported for ai_socktype";
    case EAI_MEMORY: return "Memory allocation failure";
    default: return "Unknown error";
    }
}

}  // extern "C"
