/*
 * roborock-fields.h - the fields, subtrees and expert infos of the Roborock
 * dissector, registered in packet-roborock.c and drawn in roborock-tree.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef ROBOROCK_FIELDS_H
#define ROBOROCK_FIELDS_H

#include <epan/expert.h>
#include <epan/packet.h>

#include "miio-shim.h"
#include "ws-compat.h"

extern int proto_roborock;
extern int hf_roborock_length;
extern int hf_roborock_version;
extern int hf_roborock_seq;
extern int hf_roborock_random;
extern int hf_roborock_timestamp;
extern int hf_roborock_protocol;
extern int hf_roborock_payload_len;
extern int hf_roborock_payload;
extern int hf_roborock_trailer;
extern int hf_roborock_crc;
extern int hf_roborock_crc_status;
extern int hf_roborock_tag_status;
extern int hf_roborock_decrypted;
extern int hf_roborock_decrypted_bytes;
extern int hf_roborock_rpc;
extern int hf_roborock_key_row;
extern int hf_roborock_id;
extern int hf_roborock_method;
extern int hf_roborock_params;
extern int hf_roborock_result;
extern int hf_roborock_error_code;
extern int hf_roborock_error_message;
extern int hf_roborock_request_in;
extern int hf_roborock_response_in;
extern int hf_roborock_time;
extern int hf_roborock_duid;
extern int hf_roborock_map;
extern int hf_roborock_map_request_id;

extern gint ett_roborock;
extern gint ett_roborock_decrypted;

extern expert_field ei_roborock_malformed;
extern expert_field ei_roborock_crc_bad;
extern expert_field ei_roborock_tag_bad;
extern expert_field ei_roborock_no_key;
extern expert_field ei_roborock_decrypt_failed;
extern expert_field ei_roborock_no_nonces;
extern expert_field ei_roborock_map;
extern expert_field ei_roborock_internal;

extern dissector_handle_t roborock_json_handle;
extern int roborock_tap;

/* The data points the core read in a frame (packet-scoped). */
typedef struct roborock_dp_list {
    roborock_data_point *points;
    size_t count;
} roborock_dp_list;

/* roborock-dp.c: the roborock.dp.* fields, and a frame's data points. */
void roborock_dp_register(int proto);
roborock_dp_list roborock_dp_fetch(packet_info *pinfo, const roborock_frame_info *info);
void roborock_dp_tree(proto_tree *tree, packet_info *pinfo, tvbuff_t *plain_tvb, const roborock_dp_list *dps);

/* What the dissector tells the "roborock" tap, one per frame. */
typedef struct roborock_tap_info {
    char version[4];
    const char *protocol_name;
    const char *method;        /* RPC requests; packet-scoped */
    const char *duid;          /* packet-scoped; NULL when unknown */
    uint8_t is_error;
    uint8_t has_error_code;
    int64_t error_code;
    roborock_dp_list dps;      /* pushed data points; packet-scoped */
} roborock_tap_info;

/* roborock-stats.c: Statistics > Roborock, tshark -z roborock,tree */
void roborock_stats_register(void);

/* Draws one dissected frame under `tree`; `bytes` is the frame (without a
 * TCP length prefix), `plaintext` the buffer roborock_dissect_frame filled,
 * `dps` its data points. */
void roborock_tree_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *root, proto_item *item,
                         proto_tree *tree, uint8_t *plaintext, const roborock_frame_info *info,
                         const roborock_dp_list *dps);

#endif /* ROBOROCK_FIELDS_H */
