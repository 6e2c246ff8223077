// The network interface: lwIP's netif over the virtio-net driver's netdev
// connection. Frames lwIP sends are collected and go to the driver as one
// Transmit batch per turn of the server loop (flush_interface), or sooner
// when a batch is full; frames the driver receives arrive in Received
// batches and are handed to lwIP's Ethernet input one by one, and what a
// batch left for a delayed ACK is acknowledged at its end. The address
// comes from DHCP.
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "proto/frames.h"
#include "netif/ethernet.h"
#include "rvos/console.h"
#include "stack.h"

namespace net {

namespace netdev = rvos::proto::netdev;

struct netif interface;

namespace {

Handle device = rvos::kNoHandle;
uint8_t frame[rvos::proto::kNetMaxFrame];
uint8_t batch_bytes[rvos::proto::kNetMaxBatch];
rvos::proto::FrameBatchWriter batch(batch_bytes, sizeof batch_bytes);
uint8_t mac[6];
uint64_t tx_lost = 0, tx_frames = 0, rx_frames = 0, rx_lost = 0;

err_t link_output(struct netif*, struct pbuf* p) {
    if (p->tot_len > sizeof frame) return ERR_BUF;
    u16_t length = pbuf_copy_partial(p, frame, p->tot_len, 0);
    if (!batch.fits(length)) flush_interface();
    batch.add(frame, length);
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

// Acknowledges now what a batch of received frames left for a delayed ACK.
// lwIP acknowledges every second segment at once and a lone one at its
// next fast timer, up to 250 ms later; a peer in slow start that sent one
// segment waits that long (it was most of a 4 MiB transfer's time). The
// batch already gathered the segments that arrived together, which is what
// delaying an ACK is for, so each connection gets at most one ACK a batch.
void acknowledge_batch() {
    for (struct tcp_pcb* pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
        if (!(pcb->flags & TF_ACK_DELAY)) continue;
        tcp_ack_now(pcb);
        tcp_output(pcb);
    }
}

// A frame from the driver.
struct DeviceEvents {
    Error info(Handle, const netdev::InfoRequest&, netdev::InfoReply&) { return Error::Unsupported; }
    Error subscribe(Handle, const netdev::SubscribeRequest&, netdev::SubscribeReply&) { return Error::Unsupported; }
    Error counters(Handle, const netdev::CountersRequest&, netdev::CountersReply&) { return Error::Unsupported; }
    void transmit(Handle, const netdev::Transmit&) {}
    void received(Handle, const netdev::Received& event) {
        rvos::proto::FrameBatchReader reader(event.frames.data, event.frames.length);
        const uint8_t* data = nullptr;
        size_t length = 0;
        while (reader.next(data, length)) {
            struct pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(length), PBUF_POOL);
            if (!p) {  // out of buffers: dropped, as by a busy card
                rx_lost++;
                continue;
            }
            rx_frames++;
            pbuf_take(p, data, static_cast<u16_t>(length));
            if (interface.input(p, &interface) != ERR_OK) pbuf_free(p);
        }
        acknowledge_batch();
    }
};

void on_device(Loop& l, Handle handle, void*, Buffer& message) {
    read_clock();
    DeviceEvents events;
    netdev::dispatch(l, handle, message, events);
}

void device_gone(Loop&, Handle, void*) {
    rvos::console::print("net: the network driver went away; stopping\n");
    exit(1);
}

}  // namespace

void flush_interface() {
    if (batch.empty()) return;
    netdev::Transmit event;
    event.frames = rvos::proto::Bytes(batch.data(), batch.size());
    // Frames the driver's queue cannot take are lost, as on a busy wire;
    // TCP sends them again.
    if (netdev::send_transmit<rvos::UserIpc>(device, event) != Error::None) tx_lost += batch.count();
    else tx_frames += batch.count();
    batch.clear();
}

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
