/*
 * roborock-tree.c - draws a dissected Roborock frame: header fields, CRC and
 * GCM tag status, the "Decrypted Roborock" data source, the RPC inside it
 * as its own data source with its fields, the inflated map, links, expert
 * infos and the Info column. Everything comes from the Rust core
 * (roborock_frame_info); nothing here parses or decides.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>

#include <epan/column-utils.h>
#include <epan/expert.h>
#include <epan/packet.h>

#include "roborock-fields.h"
#include "json-sub.h"
#include "text-item.h"

static const value_string roborock_frame_error_vals[] = {
    { ROBOROCK_FRAME_SHORT,       "shorter than the 17-byte header" },
    { ROBOROCK_FRAME_BAD_VERSION, "does not start with 1.0, A01, B01 or L01" },
    { ROBOROCK_FRAME_BAD_LENGTH,  "the payload length field does not fit the frame" },
    { 0, NULL }
};

static const value_string roborock_decrypt_vals[] = {
    { ROBOROCK_DECRYPT_BAD_LENGTH,  "payload is not whole AES blocks" },
    { ROBOROCK_DECRYPT_BAD_PADDING, "no key gives valid padding and text (wrong key or corrupted payload)" },
    { ROBOROCK_DECRYPT_BAD_TAG,     "no key's GCM tag verifies (wrong key, wrong session or corrupted payload)" },
    { ROBOROCK_DECRYPT_NO_NONCES,   "L01 needs the connection's hello exchange, which is not in the capture" },
    { ROBOROCK_DECRYPT_GIVEN_UP,    "no key fitted the first frames of this connection (or MQTT device), so keys are no longer tried on it" },
    { 0, NULL }
};

/* A span of the RPC text, which the core wrote from a Rust string: UTF-8. */
static void
add_span_string(proto_tree *tree, packet_info *pinfo, int hf, tvbuff_t *tvb, miio_span span)
{
    if (span.present)
        miio_add_utf8_text(tree, pinfo, hf, tvb, span.offset, span.length);
}

static void
add_header(tvbuff_t *tvb, proto_tree *tree, const roborock_frame_info *info)
{
    nstime_t ts;
    proto_item *ti;

    proto_tree_add_item(tree, hf_roborock_version, tvb, 0, 3, ENC_ASCII);
    if (info->broadcast) {
        /* A discovery broadcast: seq, protocol, length. */
        proto_tree_add_item(tree, hf_roborock_seq, tvb, 3, 4, ENC_BIG_ENDIAN);
        proto_tree_add_item(tree, hf_roborock_protocol, tvb, 7, 2, ENC_BIG_ENDIAN);
        proto_tree_add_item(tree, hf_roborock_payload_len, tvb, 9, 2, ENC_BIG_ENDIAN);
        return;
    }
    proto_tree_add_item(tree, hf_roborock_seq, tvb, 3, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(tree, hf_roborock_random, tvb, 7, 4, ENC_BIG_ENDIAN);
    ts.secs = (time_t)info->timestamp;
    ts.nsecs = 0;
    proto_tree_add_time(tree, hf_roborock_timestamp, tvb, 11, 4, &ts);
    proto_tree_add_item(tree, hf_roborock_protocol, tvb, 15, 2, ENC_BIG_ENDIAN);
    if (info->body == ROBOROCK_BODY_TRAILER) {
        ti = proto_tree_add_item(tree, hf_roborock_trailer, tvb, ROBOROCK_HEADER_LEN, 4, ENC_BIG_ENDIAN);
        proto_item_append_text(ti, info->crc_status == MIIO_CHECKSUM_GOOD
                               ? " (CRC32 of the header)" : " (not a CRC: a keep-alive or return code)");
    } else if (info->body == ROBOROCK_BODY_PAYLOAD) {
        proto_tree_add_item(tree, hf_roborock_payload_len, tvb, ROBOROCK_HEADER_LEN, 2, ENC_BIG_ENDIAN);
    }
}

static void
add_crc(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const roborock_frame_info *info)
{
    int at = (int)(info->payload_offset + info->payload_len);
    proto_item *ti = proto_tree_add_item(tree, hf_roborock_crc, tvb, at, 4, ENC_BIG_ENDIAN);
    proto_item *st = proto_tree_add_uint(tree, hf_roborock_crc_status, tvb, at, 4, info->crc_status);

    proto_item_set_generated(st);
    if (info->crc_status == MIIO_CHECKSUM_BAD) {
        proto_item_append_text(ti, " [incorrect]");
        expert_add_info(pinfo, ti, &ei_roborock_crc_bad);
    } else {
        proto_item_append_text(ti, " [correct]");
    }
    if (info->tag_status != MIIO_CHECKSUM_NOT_PRESENT) {
        st = proto_tree_add_uint(tree, hf_roborock_tag_status, tvb, at - 16, 16, info->tag_status);
        proto_item_set_generated(st);
        if (info->tag_status == MIIO_CHECKSUM_BAD)
            expert_add_info(pinfo, st, &ei_roborock_tag_bad);
    }
}

/* A span of the plaintext buffer made relative to the RPC text. */
static miio_span
in_rpc(miio_span span, const roborock_frame_info *info)
{
    if (span.present)
        span.offset -= info->inner.offset;
    return span;
}

/* The RPC text inside the dps string, as its own data source. */
static void
add_rpc(tvbuff_t *tvb, packet_info *pinfo, proto_tree *root, proto_tree *tree, uint8_t *plaintext,
        const roborock_frame_info *info)
{
    tvbuff_t *rpc_tvb = tvb_new_child_real_data(tvb, plaintext + info->inner.offset,
                                                info->inner.length, info->inner.length);
    proto_item *ti;
    proto_tree *rpc_tree;
    miio_span id = in_rpc(info->id_span, info), code = in_rpc(info->error_code_span, info);

    add_new_data_source(pinfo, rpc_tvb, "Roborock RPC");
    ti = miio_add_utf8_text(tree, pinfo, hf_roborock_rpc, rpc_tvb, 0, info->inner.length);
    rpc_tree = proto_item_add_subtree(ti, ett_roborock_decrypted);
    if (id.present)
        proto_tree_add_int64(rpc_tree, hf_roborock_id, rpc_tvb, id.offset, id.length, info->id);
    add_span_string(rpc_tree, pinfo, hf_roborock_method, rpc_tvb, in_rpc(info->method, info));
    add_span_string(rpc_tree, pinfo, hf_roborock_params, rpc_tvb, in_rpc(info->params, info));
    add_span_string(rpc_tree, pinfo, hf_roborock_result, rpc_tvb, in_rpc(info->result, info));
    if (code.present)
        proto_tree_add_int64(rpc_tree, hf_roborock_error_code, rpc_tvb, code.offset, code.length,
                             info->error_code);
    add_span_string(rpc_tree, pinfo, hf_roborock_error_message, rpc_tvb, in_rpc(info->error_message, info));
    if (roborock_json_handle && root)
        miio_call_json(roborock_json_handle, rpc_tvb, pinfo, root);
}

static void
add_map(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const roborock_frame_info *info)
{
    proto_item *ti;

    switch (info->map_status) {
    case ROBOROCK_MAP_INFLATED: {
        uint8_t *map = (uint8_t *)wmem_alloc(pinfo->pool, info->map_len ? info->map_len : 1);
        size_t copied = 0;
        tvbuff_t *map_tvb;
        if (roborock_map_copy(map, info->map_len, &copied) != MIIO_OK || copied != info->map_len)
            return;
        map_tvb = tvb_new_child_real_data(tvb, map, (unsigned)copied, (unsigned)copied);
        add_new_data_source(pinfo, map_tvb, "Roborock map");
        ti = proto_tree_add_item(tree, hf_roborock_map, map_tvb, 0, (int)copied, ENC_NA);
        proto_item_append_text(ti, " (%u bytes inflated)", (unsigned)copied);
        break;
    }
    case ROBOROCK_MAP_NO_NONCE:
        expert_add_info_format(pinfo, tree, &ei_roborock_map,
            "Map response to id %u: its request (with the security nonce that keys the map) is not "
            "in the capture", info->map_request_id);
        break;
    case ROBOROCK_MAP_FAILED:
        expert_add_info_format(pinfo, tree, &ei_roborock_map,
            "Map response to id %u: did not decrypt or inflate", info->map_request_id);
        break;
    case ROBOROCK_MAP_TOO_LARGE:
        expert_add_info_format(pinfo, tree, &ei_roborock_map,
            "Map response to id %u: inflation stopped at the 32 MiB cap", info->map_request_id);
        break;
    default:
        return;
    }
    ti = proto_tree_add_uint(tree, hf_roborock_map_request_id, tvb, 0, 0, info->map_request_id);
    proto_item_set_generated(ti);
}

static void
add_plaintext(tvbuff_t *tvb, packet_info *pinfo, proto_tree *root, proto_tree *tree,
              uint8_t *plaintext, const roborock_frame_info *info, const roborock_dp_list *dps)
{
    unsigned len = (unsigned)info->plaintext_len;
    tvbuff_t *plain_tvb;
    proto_item *ti;
    proto_tree *plain_tree;
    proto_item *key;

    if (info->key_row) {
        key = proto_tree_add_uint(tree, hf_roborock_key_row, tvb, 0, 0, info->key_row);
        proto_item_set_generated(key);
    }
    plain_tvb = tvb_new_child_real_data(tvb, plaintext, len, len);
    add_new_data_source(pinfo, plain_tvb, "Decrypted Roborock");
    if (info->payload_kind == ROBOROCK_PAYLOAD_MAP) {
        ti = proto_tree_add_item(tree, hf_roborock_decrypted_bytes, plain_tvb, 0, len, ENC_NA);
        add_map(tvb, pinfo, proto_item_add_subtree(ti, ett_roborock_decrypted), info);
        return;
    }
    ti = miio_add_text(tree, pinfo, hf_roborock_decrypted, plain_tvb, 0, len, info->utf8);
    plain_tree = proto_item_add_subtree(ti, ett_roborock_decrypted);
    roborock_dp_tree(plain_tree, pinfo, plain_tvb, dps);
    if (info->inner.present) {
        add_rpc(tvb, pinfo, root, plain_tree, plaintext, info);
    } else if (roborock_json_handle && root && len > 0 && plaintext[0] == '{') {
        miio_call_json(roborock_json_handle, plain_tvb, pinfo, root);
    }
}

void
roborock_tree_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *root, proto_item *item,
                    proto_tree *tree, uint8_t *plaintext, const roborock_frame_info *info,
                    const roborock_dp_list *dps)
{
    const char *why;
    proto_item *ti;
    miio_links links;

    if (info->error != ROBOROCK_FRAME_OK) {
        why = val_to_str_const(info->error, roborock_frame_error_vals, "malformed");
        expert_add_info_format(pinfo, item, &ei_roborock_malformed, "Malformed Roborock frame: %s", why);
        col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ", "Malformed Roborock frame: %s", why);
        return;
    }
    add_header(tvb, tree, info);
    if (info->body == ROBOROCK_BODY_PAYLOAD) {
        if (info->payload_len > 0)
            proto_tree_add_item(tree, hf_roborock_payload, tvb, (int)info->payload_offset,
                                (int)info->payload_len, ENC_NA);
        add_crc(tvb, pinfo, tree, info);
    }
    if (info->duid[0]) {
        ti = proto_tree_add_string(tree, hf_roborock_duid, tvb, 0, 0, info->duid);
        proto_item_set_generated(ti);
    }
    switch (info->decrypt_status) {
    case ROBOROCK_DECRYPT_OK:
        add_plaintext(tvb, pinfo, root, tree, plaintext, info, dps);
        break;
    case ROBOROCK_DECRYPT_NO_KEY:
        expert_add_info(pinfo, item, &ei_roborock_no_key);
        break;
    case ROBOROCK_DECRYPT_NO_NONCES:
        expert_add_info(pinfo, item, &ei_roborock_no_nonces);
        break;
    case ROBOROCK_DECRYPT_NOT_APPLICABLE:
        break;
    default:
        expert_add_info_format(pinfo, item, &ei_roborock_decrypt_failed, "Decryption failed: %s (%u keys tried)",
            val_to_str_const(info->decrypt_status, roborock_decrypt_vals, "unknown"), info->keys_tried);
        break;
    }
    links.response_in = info->response_in;
    links.request_in = info->request_in;
    links.has_time = info->has_response_time;
    links.time_ns = info->response_time_ns;
    miio_add_links(tree, tvb, hf_roborock_response_in, hf_roborock_request_in, hf_roborock_time, &links);
}
