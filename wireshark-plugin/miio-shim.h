/*
 * miio-shim.h - declarations shared by the C files of the Wireshark shim.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIIO_SHIM_H
#define MIIO_SHIM_H

#include <epan/packet.h>
#include <epan/prefs.h>

#include "miio_dissector.h"

/* packet-miio.c */
void proto_register_miio(void);
void proto_reg_handoff_miio(void);

/* miio-keys.c: the "miio_keys" table and the key file preference, feeding
 * the Rust key store. */
void miio_keys_register(module_t *miio_module);
void miio_keys_apply_file_preference(void);

/* What the dissector tells the "miio" tap (statistics), one per frame. */
typedef struct miio_tap_info {
    miio_frame_kind kind;
    miio_payload_kind payload_kind;
    uint32_t device_id;
    const char *method;      /* requests; packet-scoped */
    int64_t error_code;      /* error replies with a numeric code */
    uint8_t has_error_code;
    const char *model;       /* the device's model, NULL when not known */
    miio_miot_method miot_method; /* MIoT: the request's method (a reply's: its request's) */
    uint8_t miot_reply;
    const miio_miot_entry *miot; /* the MIoT entries; packet-scoped */
    size_t miot_count;
    uint8_t miot_only;       /* a Mi cloud call or push: only its MIoT entries count */
} miio_tap_info;

/* miio-conversation.c: direction, client and flow of a frame; device
 * endpoints claimed for miIO whatever the client's port. */
#define MIIO_LOCAL_PORT 54321
#define MIIO_CLOUD_PORT 8053
miio_transport miio_udp_transport(packet_info *pinfo);
/* A key for the flow (both endpoints, either direction); one endpoint's hash. */
uint32_t miio_flow_key(packet_info *pinfo);
uint32_t miio_endpoint_hash(const address *addr, uint32_t port);
miio_frame_context miio_frame_context_of(packet_info *pinfo, miio_transport transport,
                                         uint32_t pdu_index);
void miio_claim_device_endpoint(packet_info *pinfo, dissector_handle_t handle);

/* miio-tree.c: the request/reply links of a frame, drawn with the caller's
 * fields (FT_FRAMENUM response/request, FT_RELATIVE_TIME). */
typedef struct miio_links {
    uint32_t response_in;
    uint32_t request_in;
    uint8_t has_time;
    int64_t time_ns;
} miio_links;
void miio_add_links(proto_tree *tree, tvbuff_t *tvb, int hf_response_in, int hf_request_in,
                    int hf_time, const miio_links *links);

/* packet-roborock.c: the Roborock dissector (TCP 58867, UDP 58866, MQTT). */
void proto_register_roborock(void);
void proto_reg_handoff_roborock(void);

/* miio-stats.c: Statistics > miIO, tshark -z miio,tree */
void miio_stats_register(void);
/* A frame's tap record (NULL when no tap listens), and queuing it filled. */
miio_tap_info *miio_tap_new(packet_info *pinfo);
/* A Mi cloud call's or push's MIoT entries (filled by miio_miot_add_entries). */
void miio_tap_queue_miot(packet_info *pinfo, const miio_miot_frame *m, miio_tap_info *t);
void miio_tap_queue(packet_info *pinfo, const miio_frame_info *info, const uint8_t *plaintext,
                    miio_tap_info *t);

/* miio-mdns.c: devices announcing themselves over mDNS (UDP 5353 taken
 * from mDNS and handed straight back). */
void miio_mdns_register(int proto_miio);
void miio_mdns_handoff(void);

#endif /* MIIO_SHIM_H */
