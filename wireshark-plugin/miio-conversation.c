/*
 * miio-conversation.c - where a frame travels: its direction, its client,
 * a key for its flow, and the device endpoints that stay miIO whatever
 * port the client uses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/address.h>
#include <epan/conversation.h>
#include <epan/packet.h>

#include "miio-shim.h"

/* One endpoint, hashed: address and port. */
uint32_t
miio_endpoint_hash(const address *addr, uint32_t port)
{
    return add_address_to_hash(port * 2654435761U + 1U, addr);
}

/*
 * A key for the flow (both endpoints, either direction). Not the epan
 * conversation index: once a device endpoint is claimed, every client's
 * flow to it shares that wildcard conversation, but requests and replies
 * are matched per client flow.
 */
uint32_t
miio_flow_key(packet_info *pinfo)
{
    uint32_t a = miio_endpoint_hash(&pinfo->src, pinfo->srcport);
    uint32_t b = miio_endpoint_hash(&pinfo->dst, pinfo->destport);
    uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
    uint32_t key = (lo * 2246822519U) ^ hi ^ ((uint32_t)pinfo->ptype << 24);

    return key ? key : 1;
}

miio_transport
miio_udp_transport(packet_info *pinfo)
{
    return (pinfo->srcport == MIIO_CLOUD_PORT || pinfo->destport == MIIO_CLOUD_PORT)
        ? MIIO_TRANSPORT_CLOUD : MIIO_TRANSPORT_LOCAL;
}

miio_frame_context
miio_frame_context_of(packet_info *pinfo, miio_transport transport, uint32_t pdu_index)
{
    miio_frame_context ctx;

    ctx.frame_number = pinfo->num;
    ctx.pdu_index = pdu_index;
    ctx.transport = transport;
    ctx.visited = PINFO_FD_VISITED(pinfo) ? 1 : 0;
    ctx.conversation = miio_flow_key(pinfo);
    ctx.time_sec = (int64_t)pinfo->abs_ts.secs;
    ctx.time_nsec = pinfo->abs_ts.nsecs;
    ctx.direction = MIIO_DIRECTION_UNKNOWN;
    ctx.client = 0;
    if (transport == MIIO_TRANSPORT_LOCAL && pinfo->destport == MIIO_LOCAL_PORT) {
        ctx.direction = MIIO_DIRECTION_TO_DEVICE;
        ctx.client = miio_endpoint_hash(&pinfo->src, pinfo->srcport);
    } else if (transport == MIIO_TRANSPORT_LOCAL && pinfo->srcport == MIIO_LOCAL_PORT) {
        ctx.direction = MIIO_DIRECTION_FROM_DEVICE;
        ctx.client = miio_endpoint_hash(&pinfo->dst, pinfo->destport);
    }
    return ctx;
}

/*
 * Once a device (port 54321) or the cloud (8053) is seen at an address,
 * every datagram to or from that address and port is miIO, whatever the
 * client's port: a wildcard conversation that the UDP dissector tries
 * before its port table (a client's ephemeral port may be one that another
 * protocol registered). It applies from the first frame on, so a second
 * pass also claims frames seen before the device was.
 */
void
miio_claim_device_endpoint(packet_info *pinfo, dissector_handle_t handle)
{
    const address *addr;
    uint32_t port;
    conversation_t *conv;

    if (PINFO_FD_VISITED(pinfo) || pinfo->ptype != PT_UDP)
        return;
    if (pinfo->srcport == MIIO_LOCAL_PORT || pinfo->srcport == MIIO_CLOUD_PORT) {
        addr = &pinfo->src;
        port = pinfo->srcport;
    } else if (pinfo->destport == MIIO_LOCAL_PORT || pinfo->destport == MIIO_CLOUD_PORT) {
        addr = &pinfo->dst;
        port = pinfo->destport;
    } else {
        return;
    }
    if (find_conversation(pinfo->num, addr, NULL, CONVERSATION_UDP, port, 0, NO_ADDR_B | NO_PORT_B))
        return;
    conv = conversation_new(1, addr, NULL, CONVERSATION_UDP, port, 0, NO_ADDR2 | NO_PORT2);
    conversation_set_dissector(conv, handle);
}
