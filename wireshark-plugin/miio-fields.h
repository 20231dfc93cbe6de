/*
 * miio-fields.h - the fields, subtrees and expert infos of the miIO dissector,
 * registered in miio-fields.c, drawn in miio-tree.c and packet-miio.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIIO_FIELDS_H
#define MIIO_FIELDS_H

#include <epan/expert.h>
#include <epan/packet.h>

#include "miio-shim.h"
#include "ws-compat.h"

extern int proto_miio;
extern int hf_miio_magic;
extern int hf_miio_length;
extern int hf_miio_unknown;
extern int hf_miio_device_id;
extern int hf_miio_stamp;
extern int hf_miio_stamp_delta;
extern int hf_miio_checksum;
extern int hf_miio_checksum_status;
extern int hf_miio_token;
extern int hf_miio_token_confirmed_in;
extern int hf_miio_token_dropped_in;
extern int hf_miio_encrypted;
extern int hf_miio_decrypted;
extern int hf_miio_key_origin;
extern int hf_miio_key_row;
extern int hf_miio_key_file_line;
extern int hf_miio_key_learned_in;
extern int hf_miio_trailing;
extern int hf_miio_decrypted_bytes;
extern int hf_miio_repaired;
extern int hf_miio_time_sync;
extern int hf_miio_map_blob;
extern int hf_miio_stream_data;
extern int hf_miio_continuation;
extern int hf_miio_id;
extern int hf_miio_method;
extern int hf_miio_params;
extern int hf_miio_result;
extern int hf_miio_error;
extern int hf_miio_error_code;
extern int hf_miio_error_message;
extern int hf_miio_response_in;
extern int hf_miio_request_in;
extern int hf_miio_time;
extern int hf_miio_duplicate_of;
extern int hf_miio_retry_of;
extern gint ett_miio;
extern gint ett_miio_decrypted;
extern expert_field ei_miio_malformed;
extern expert_field ei_miio_trailing;
extern expert_field ei_miio_truncated;
extern expert_field ei_miio_checksum_bad;
extern expert_field ei_miio_no_key;
extern expert_field ei_miio_decrypt_failed;
extern expert_field ei_miio_token_leaked;
extern expert_field ei_miio_key_learned;
extern expert_field ei_miio_key_dropped;
extern expert_field ei_miio_duplicate;
extern expert_field ei_miio_retry;
extern expert_field ei_miio_internal;
extern expert_field ei_miio_json_repaired;
extern expert_field ei_miio_not_json;
extern expert_field ei_miio_not_utf8;
extern expert_field ei_miio_map_blob;
extern expert_field ei_miio_stream_data;
extern expert_field ei_miio_continuation;
extern dissector_handle_t json_handle;
extern int proto_json;
extern miio_bool miio_dissect_json;
extern int miio_tap;

/* Registers the fields, subtrees and expert infos of proto_miio. */
void miio_fields_register(int proto);

/* Draws one dissected frame: header fields, then what its kind needs. */
void miio_tree_frame(tvbuff_t *tvb, packet_info *pinfo, proto_item *miio_item, proto_tree *root,
                     proto_tree *miio_tree, uint8_t *plaintext, const miio_frame_info *info);

#endif /* MIIO_FIELDS_H */
