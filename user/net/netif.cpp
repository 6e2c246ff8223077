// The network interface: lwIP's netif over the virtio-net driver's netdev
// connection. Frames lwIP sends go to the driver as Transmit events;
// frames the driver receives arrive as Received events and are handed to
// lwIP's Ethernet input. The address comes from DHCP.
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "rvos/console.h"
#include "stack.h"

namespace net {

namespace netdev = rvos::proto::netdev;

struct netif interface;

namespace {

Handle device = rvos::kNoHandle;
uint8_t frame[rvos::proto::kNetMaxFrame];
uint8_t mac[6];
uint64_t tx_lost = 0, tx_frames = 0, rx_frames = 0, rx_lost = 0;

err_t link_output(struct netif*, struct pbuf* p) {
    if (p->tot_len > sizeof frame) return ERR_BUF;
    u16_t length = pbuf_copy_partial(p, frame, p->tot_len, 0);
    netdev::Transmit event;
    event.frame = rvos::proto::Bytes(frame, length);
    // A frame the driver's queue cannot take is lost, as on a busy wire;
    // TCP sends it again.
    if (netdev::send_transmit<rvos::UserIpc>(device, event) != Error::None) tx_lost++;
    else tx_frames++;
    return ERR_OK;
}

err_t interface_init(struct netif* n) {
    n->name[0] = 'e';
    n->name[1] = 'n';
    n->hwaddr_len = 6;
    memcpy(n->hwaddr, mac, 6);
    n->mtu = 1500;
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    n->output = etharp_output;
    n->linkoutput = link_output;
    return ERR_OK;
}

void status_changed(struct netif* n) {
    if (ip4_addr_isany_val(*netif_ip4_addr(n))) return;
    char ip[16], gw[16];
    ip4addr_ntoa_r(netif_ip4_addr(n), ip, sizeof ip);
    ip4addr_ntoa_r(netif_ip4_gw(n), gw, sizeof gw);
    rvos::console::print("[net] en0: %s by DHCP, gateway %s\n", ip, gw);
}

// A frame from the driver.
struct DeviceEvents {
    Error info(Handle, const netdev::InfoRequest&, netdev::InfoReply&) { return Error::Unsupported; }
    Error subscribe(Handle, const netdev::SubscribeRequest&, netdev::SubscribeReply&) { return Error::Unsupported; }
    Error counters(Handle, const netdev::CountersRequest&, netdev::CountersReply&) { return Error::Unsupported; }
    void transmit(Handle, const netdev::Transmit&) {}
    void received(Handle, const netdev::Received& event) {
        if (event.frame.length == 0) return;
        struct pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(event.frame.length), PBUF_POOL);
        if (!p) {  // out of buffers: dropped, as by a busy card
            rx_lost++;
            return;
        }
        rx_frames++;
        pbuf_take(p, event.frame.data, static_cast<u16_t>(event.frame.length));
        if (interface.input(p, &interface) != ERR_OK) pbuf_free(p);
    }
};

void on_device(Loop& l, Handle handle, void*, Buffer& message) {
    DeviceEvents events;
    netdev::dispatch(l, handle, message, events);
}

void device_gone(Loop&, Handle, void*) {
    rvos::console::print("net: the network driver went away; stopping\n");
    exit(1);
}

}  // namespace

Error start_interface(Handle channel) {
    device = channel;
    rvos::proto::InlineBuffer<netdev::kMaxReplyBytes> reply;
    auto info = TRY(netdev::info<rvos::UserIpc>(device, {}, reply));
    if (info.mac_count != 6) return Error::DeviceError;
    for (int i = 0; i < 6; i++) mac[i] = info.mac[i];
    if (!netif_add(&interface, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, nullptr, interface_init, ethernet_input))
        return Error::DeviceError;
    netif_set_default(&interface);
    netif_set_status_callback(&interface, status_changed);
    netif_set_up(&interface);
    TRY(netdev::subscribe<rvos::UserIpc>(device, {}, reply));
    if (!loop.watch(device, on_device, nullptr, device_gone)) return Error::HandleTableFull;
    if (dhcp_start(&interface) != ERR_OK) return Error::NoMemory;
    return Error::None;
}

bool interface_configured() { return dhcp_supplied_address(&interface); }

void interface_counters(proto::InterfaceReply& out) {
    for (int i = 0; i < 6; i++) out.mac[i] = mac[i];
    out.mac_count = 6;
    out.ip = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&interface)));
    out.mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(&interface)));
    out.gateway = lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(&interface)));
    out.mtu = interface.mtu;
    out.configured = interface_configured();
    // Counted on this side of the driver: frames handed over each way, and
    // those lost for want of a buffer here or room in the driver's queue.
    out.rx_frames = rx_frames;
    out.tx_frames = tx_frames;
    out.rx_dropped = rx_lost;
    out.tx_dropped = tx_lost;
}

}  // namespace net
