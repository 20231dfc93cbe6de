/*
 * miio-tree.c - draws a dissected miIO frame: header fields, checksum, key,
 * the "Decrypted miIO" data source and its JSON fields, links, expert infos,
 * the Info column and the tap; the 32-byte frames are in miio-short-tree.c.
 * Everything it shows comes from the Rust core (miio_frame_info); nothing
 * here parses or decides.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <string.h>

#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/tap.h>

#include "miio-fields.h"
#include "miio-miot.h"
#include "miio-tree.h"
#include "text-item.h"

#define MIIO_STAMP_NONE 0xffffffffU

static const value_string miio_length_status_vals[] = {
    { MIIO_LENGTH_SHORT_FRAME,      "frame shorter than the 32-byte header" },
    { MIIO_LENGTH_BAD_MAGIC,        "magic is not 0x2131" },
    { MIIO_LENGTH_FIELD_TOO_SMALL,  "length field is smaller than the 32-byte header" },
    { MIIO_LENGTH_FIELD_TOO_LARGE,  "length field is larger than the packet" },
    { MIIO_LENGTH_TRAILING_BYTES,   "packet has bytes after the length the header gives" },
    { MIIO_LENGTH_TRUNCATED,        "frame was cut short by the capture's snapshot length" },
    { 0, NULL }
};

static const value_string miio_decrypt_status_vals[] = {
    { MIIO_DECRYPT_BAD_LENGTH,  "ciphertext length is not a multiple of 16" },
    { MIIO_DECRYPT_BAD_PADDING, "invalid padding (wrong key or corrupted frame)" },
    { MIIO_DECRYPT_TRUNCATED,   "ciphertext not fully captured" },
    { 0, NULL }
};

static const value_string miio_taught_vals[] = {
    { MIIO_KEY_ORIGIN_HELLO_REPLY, "hello reply" },
    { MIIO_KEY_ORIGIN_INFO_REPLY,  "miIO.info reply" },
    { MIIO_KEY_ORIGIN_OTC_INFO,    "_otc.info request to the cloud" },
    { MIIO_KEY_ORIGIN_MICLOUD,     "Mi cloud device list" },
    { 0, NULL }
};

static void
add_header_fields(proto_tree *tree, tvbuff_t *tvb, const miio_frame_info *info)
{
    proto_item *stamp;

    proto_tree_add_item(tree, hf_miio_magic, tvb, MIIO_OFFSET_MAGIC, 2, ENC_BIG_ENDIAN);
    proto_tree_add_item(tree, hf_miio_length, tvb, MIIO_OFFSET_LENGTH, 2, ENC_BIG_ENDIAN);
    proto_tree_add_item(tree, hf_miio_unknown, tvb, MIIO_OFFSET_UNKNOWN, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(tree, hf_miio_device_id, tvb, MIIO_OFFSET_DEVICE_ID, 4, ENC_BIG_ENDIAN);
    stamp = proto_tree_add_item(tree, hf_miio_stamp, tvb, MIIO_OFFSET_STAMP, 4, ENC_BIG_ENDIAN);
    if (info->kind == MIIO_KIND_HELLO_REQUEST && info->header.stamp == MIIO_STAMP_NONE) {
        proto_item_append_text(stamp, " (none: hello request)");
    } else if (info->session.has_stamp_delta) {
        proto_item *ti = proto_tree_add_int64(tree, hf_miio_stamp_delta, tvb, MIIO_OFFSET_STAMP, 4,
                                              info->session.stamp_delta);
        proto_item_set_generated(ti);
    }
}

/* A frame whose header cannot be used: say why, keep the bytes visible. */
static void
dissect_malformed(tvbuff_t *tvb, packet_info *pinfo, proto_item *miio_item,
                  proto_tree *tree, const miio_frame_info *info)
{
    const char *why = val_to_str_const(info->length_status, miio_length_status_vals,
                                       "malformed header");

    if (tvb_captured_length(tvb) >= MIIO_HEADER_LEN)
        add_header_fields(tree, tvb, info);
    expert_add_info_format(pinfo, miio_item, &ei_miio_malformed, "Malformed miIO frame: %s", why);
    col_add_fstr(pinfo->cinfo, COL_INFO, "Malformed miIO frame: %s", why);
}

void
miio_add_checksum(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const miio_frame_info *info)
{
    proto_item *ti = proto_tree_add_item(tree, hf_miio_checksum, tvb, MIIO_OFFSET_CHECKSUM,
                                         MIIO_CHECKSUM_LEN, ENC_NA);
    proto_item *st = proto_tree_add_uint(tree, hf_miio_checksum_status, tvb, MIIO_OFFSET_CHECKSUM,
                                         MIIO_CHECKSUM_LEN, info->checksum_status);

    proto_item_set_generated(st);
    if (info->checksum_status == MIIO_CHECKSUM_GOOD) {
        proto_item_append_text(ti, " [correct]");
    } else if (info->checksum_status == MIIO_CHECKSUM_BAD) {
        proto_item_append_text(ti, " [incorrect]");
        expert_add_info(pinfo, ti, &ei_miio_checksum_bad);
    } else {
        proto_item_append_text(ti, " [unverified]");
    }
}

/* "miio_keys row 12": the text of nearly every decrypted frame, without the
 * cost of a printf. */
static const char *
numbered(packet_info *pinfo, const char *prefix, uint32_t n)
{
    char digits[10];
    size_t count = 0, prefix_len = strlen(prefix);
    char *text;

    do {
        digits[count++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    text = (char *)wmem_alloc(pinfo->pool, prefix_len + count + 1);
    memcpy(text, prefix, prefix_len);
    for (size_t i = 0; i < count; i++)
        text[prefix_len + i] = digits[count - 1 - i];
    text[prefix_len + count] = '\0';
    return text;
}

/* "Key: ..." - which key was used and where it came from. */
void
miio_add_key_origin(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const miio_session *s)
{
    const char *origin;
    int hf_ref;
    proto_item *ti;

    switch (s->key_origin) {
    case MIIO_KEY_ORIGIN_TABLE_ROW:
        origin = numbered(pinfo, "miio_keys row ", s->key_origin_ref);
        hf_ref = hf_miio_key_row;
        break;
    case MIIO_KEY_ORIGIN_FILE_LINE:
        origin = numbered(pinfo, "key file line ", s->key_origin_ref);
        hf_ref = hf_miio_key_file_line;
        break;
    case MIIO_KEY_ORIGIN_HELLO_REPLY:
        if (s->key_confirmed_in)
            origin = wmem_strdup_printf(pinfo->pool, "learned from hello reply in frame %u, "
                "confirmed by the checksum of frame %u", s->key_origin_ref, s->key_confirmed_in);
        else if (s->key_dropped_in)
            origin = wmem_strdup_printf(pinfo->pool, "learned from hello reply in frame %u (dropped: "
                "frame %u verified with another key)", s->key_origin_ref, s->key_dropped_in);
        else
            origin = wmem_strdup_printf(pinfo->pool, "learned from hello reply in frame %u "
                "(candidate: no checksum has confirmed it)", s->key_origin_ref);
        hf_ref = hf_miio_key_learned_in;
        break;
    case MIIO_KEY_ORIGIN_INFO_REPLY:
    case MIIO_KEY_ORIGIN_OTC_INFO:
    case MIIO_KEY_ORIGIN_MICLOUD:
        origin = wmem_strdup_printf(pinfo->pool, "learned from %s in frame %u",
                val_to_str_const(s->key_origin, miio_taught_vals, "traffic"), s->key_origin_ref);
        hf_ref = hf_miio_key_learned_in;
        break;
    case MIIO_KEY_ORIGIN_NONE:
    default:
        return;
    }
    ti = proto_tree_add_string(tree, hf_miio_key_origin, tvb, 0, 0, origin);
    proto_item_set_generated(ti);
    ti = proto_tree_add_uint(tree, hf_ref, tvb, 0, 0, s->key_origin_ref);
    proto_item_set_generated(ti);
}

static void
add_span_string(proto_tree *tree, packet_info *pinfo, int hf, tvbuff_t *plain_tvb, miio_span span)
{
    if (span.present)
        miio_add_utf8_text(tree, pinfo, hf, plain_tvb, span.offset, span.length);
}

/* The JSON fields, each pointing at its bytes in the decrypted payload. */
static void
add_payload_fields(proto_tree *tree, packet_info *pinfo, tvbuff_t *plain_tvb, const miio_payload *p)
{
    if (p->id_span.present && p->id_is_integer)
        proto_tree_add_int64(tree, hf_miio_id, plain_tvb, p->id_span.offset, p->id_span.length, p->id);
    add_span_string(tree, pinfo, hf_miio_method, plain_tvb, p->method);
    add_span_string(tree, pinfo, hf_miio_params, plain_tvb, p->params);
    add_span_string(tree, pinfo, hf_miio_result, plain_tvb, p->result);
    add_span_string(tree, pinfo, hf_miio_error, plain_tvb, p->error);
    if (p->error_code_span.present)
        proto_tree_add_int64(tree, hf_miio_error_code, plain_tvb, p->error_code_span.offset,
                             p->error_code_span.length, p->error_code);
    add_span_string(tree, pinfo, hf_miio_error_message, plain_tvb, p->error_message);
}

/* Response In, Request In and the time between them, with the caller's
 * fields (miIO and Roborock draw them alike). */
void
miio_add_links(proto_tree *tree, tvbuff_t *tvb, int hf_response_in, int hf_request_in, int hf_time,
               const miio_links *links)
{
    proto_item *ti;

    if (links->response_in) {
        ti = proto_tree_add_uint(tree, hf_response_in, tvb, 0, 0, links->response_in);
        proto_item_set_generated(ti);
    }
    if (links->request_in) {
        ti = proto_tree_add_uint(tree, hf_request_in, tvb, 0, 0, links->request_in);
        proto_item_set_generated(ti);
    }
    if (links->has_time) {
        nstime_t delta;
        delta.secs = (time_t)(links->time_ns / 1000000000);
        delta.nsecs = (int)(links->time_ns % 1000000000);
        ti = proto_tree_add_time(tree, hf_time, tvb, 0, 0, &delta);
        proto_item_set_generated(ti);
    }
}

/* Response In / Request In / time / duplicates / retries. */
static void
add_links(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const miio_session *s)
{
    proto_item *ti;
    miio_links links = { s->response_in, s->request_in, s->has_response_time, s->response_time_ns };

    miio_add_links(tree, tvb, hf_miio_response_in, hf_miio_request_in, hf_miio_time, &links);
    if (s->duplicate_of) {
        ti = proto_tree_add_uint(tree, hf_miio_duplicate_of, tvb, 0, 0, s->duplicate_of);
        proto_item_set_generated(ti);
        expert_add_info_format(pinfo, ti, &ei_miio_duplicate,
            "Duplicate reply (first reply in frame %u)", s->duplicate_of);
        col_append_str(pinfo->cinfo, COL_INFO, " [duplicate]");
    }
    if (s->retry_of) {
        ti = proto_tree_add_uint(tree, hf_miio_retry_of, tvb, 0, 0, s->retry_of);
        proto_item_set_generated(ti);
        expert_add_info_format(pinfo, ti, &ei_miio_retry,
            "Retry of the unanswered request in frame %u", s->retry_of);
        col_append_str(pinfo->cinfo, COL_INFO, " [retry]");
    }
}

/*
 * Whether to run the JSON dissector. It tokenises the whole text and builds
 * a large tree, so: always when a display filter uses a json.* field;
 * otherwise for a tree that is shown (the GUI's packet details, -V, -T pdml;
 * tshark's -T fields also builds such a tree), unless the dissect_json
 * preference is off. The packet list alone (no tree) never runs it.
 */
static bool
json_wanted(proto_tree *tree)
{
    header_field_info *json_info;

    if (!tree || proto_json < 0)
        return false;
    json_info = proto_registrar_get_nth((unsigned)proto_json);
    if (json_info && json_info->ref_type != HF_REF_TYPE_NONE)
        return true;
    return miio_dissect_json && PTREE_DATA(tree)->visible;
}

/*
 * Shows the plaintext as a new data source. JSON goes to the JSON dissector;
 * invalid JSON that a known repair fixes is shown as it was decrypted and,
 * repaired, as a second data source whose fields are filled in.
 */
static void
add_plaintext(tvbuff_t *tvb, packet_info *pinfo, proto_tree *root, proto_tree *tree,
              uint8_t *plaintext, const miio_frame_info *info, miio_tap_info *tap)
{
    const miio_payload *p = &info->payload;
    tvbuff_t *plain_tvb, *json_tvb;
    proto_item *ti;
    proto_tree *plain_tree;
    unsigned len = (unsigned)info->plaintext_len;

    if (len == 0) {
        col_set_str(pinfo->cinfo, COL_INFO, "Decrypted, empty payload");
        return;
    }
    plain_tvb = tvb_new_child_real_data(tvb, plaintext, len, len);
    add_new_data_source(pinfo, plain_tvb, "Decrypted miIO");
    ti = miio_add_text(tree, pinfo, hf_miio_decrypted, plain_tvb, 0, len, p->utf8);
    plain_tree = proto_item_add_subtree(ti, ett_miio_decrypted);
    json_tvb = plain_tvb;

    if (p->repaired.present) {
        json_tvb = tvb_new_child_real_data(tvb, plaintext + p->repaired.offset, p->repaired.length,
                                           p->repaired.length);
        add_new_data_source(pinfo, json_tvb, "Repaired JSON");
        ti = miio_add_utf8_text(plain_tree, pinfo, hf_miio_repaired, json_tvb, 0, p->repaired.length);
        proto_item_set_generated(ti);
        expert_add_info_format(pinfo, ti, &ei_miio_json_repaired,
                               "Invalid JSON repaired (%s)", p->repair);
    }
    if (p->kind == MIIO_PAYLOAD_NOT_JSON) {
        if (!p->utf8) {
            ti = proto_tree_add_item(plain_tree, hf_miio_decrypted_bytes, plain_tvb, 0, len, ENC_NA);
            expert_add_info(pinfo, ti, &ei_miio_not_utf8);
        } else {
            expert_add_info(pinfo, ti, &ei_miio_not_json);
        }
        col_add_fstr(pinfo->cinfo, COL_INFO, "Decrypted, %u bytes (not JSON)", len);
        return;
    }
    add_payload_fields(plain_tree, pinfo, json_tvb, p);
    miio_miot_add_entries(plain_tree, pinfo, json_tvb, &info->miot, tap);
    if (json_handle && json_wanted(root))
        call_dissector(json_handle, json_tvb, pinfo, root);

    /* After the JSON dissector, which sets its own columns. */
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "miIO");
    col_add_str(pinfo->cinfo, COL_INFO, p->summary);
}

static void
dissect_data(tvbuff_t *tvb, packet_info *pinfo, proto_item *miio_item, proto_tree *root,
             proto_tree *tree, uint8_t *plaintext, const miio_frame_info *info, miio_tap_info *tap)
{
    int ct_len = (int)(info->frame_len - MIIO_HEADER_LEN);
    proto_item *enc_item;

    miio_add_checksum(tvb, pinfo, tree, info);
    enc_item = proto_tree_add_item(tree, hf_miio_encrypted, tvb, MIIO_HEADER_LEN, ct_len, ENC_NA);
    miio_add_key_origin(tvb, pinfo, tree, &info->session);
    if (info->session.candidate_dropped)
        expert_add_info_format(pinfo, miio_item, &ei_miio_key_dropped,
            "Token candidate from the hello reply in frame %u dropped: this frame verifies with "
            "another key", info->session.candidate_dropped);

    switch (info->decrypt_status) {
    case MIIO_DECRYPT_OK:
        add_plaintext(tvb, pinfo, root, tree, plaintext, info, tap);
        if (info->session.taught != MIIO_KEY_ORIGIN_NONE)
            expert_add_info_format(pinfo, miio_item, &ei_miio_key_learned,
                "Token learned for device 0x%08x from this %s", info->header.device_id,
                val_to_str_const(info->session.taught, miio_taught_vals, "frame"));
        break;
    case MIIO_DECRYPT_NO_KEY:
        if (info->any_device_keys_skipped)
            expert_add_info_format(pinfo, enc_item, &ei_miio_no_key,
                "No key for device 0x%08x (%u keys tried; the keys for any device fitted none of "
                "its first frames and are no longer tried on it): add its token under "
                "Preferences > Protocols > miIO", info->header.device_id, info->keys_tried);
        else
            expert_add_info_format(pinfo, enc_item, &ei_miio_no_key,
                "No key for device 0x%08x (%u keys tried): add its token under "
                "Preferences > Protocols > miIO", info->header.device_id, info->keys_tried);
        col_add_fstr(pinfo->cinfo, COL_INFO, "Encrypted, no key (device 0x%08x)",
                     info->header.device_id);
        break;
    default: {
        const char *why = val_to_str_const(info->decrypt_status, miio_decrypt_status_vals,
                                           "unknown error");
        expert_add_info_format(pinfo, enc_item, &ei_miio_decrypt_failed, "Decryption failed: %s", why);
        col_add_fstr(pinfo->cinfo, COL_INFO, "Encrypted, decryption failed: %s", why);
        break;
    }
    }
    add_links(tvb, pinfo, tree, &info->session);
    /* One append: each builds the item's label. */
    if (info->payload.summary[0])
        proto_item_append_text(miio_item, ", Device 0x%08x, %s", info->header.device_id,
                               info->payload.summary);
    else
        proto_item_append_text(miio_item, ", Device 0x%08x", info->header.device_id);
}

void
miio_tree_frame(tvbuff_t *tvb, packet_info *pinfo, proto_item *miio_item, proto_tree *root,
                proto_tree *miio_tree, uint8_t *plaintext, const miio_frame_info *info)
{
    miio_tap_info *tap = miio_tap_new(pinfo);

    switch (info->kind) {
    case MIIO_KIND_MALFORMED:
        dissect_malformed(tvb, pinfo, miio_item, miio_tree, info);
        break;
    case MIIO_KIND_HELLO_REQUEST:
    case MIIO_KIND_HELLO_REPLY:
    case MIIO_KIND_HELLO_REPLY_TOKEN:
    case MIIO_KIND_CLOUD_HELLO:
    case MIIO_KIND_TIME_SYNC:
    case MIIO_KIND_KEEPALIVE:
    case MIIO_KIND_PING:
        add_header_fields(miio_tree, tvb, info);
        miio_miot_add_model(miio_tree, tvb, pinfo, &info->miot);
        miio_tree_short_frame(tvb, pinfo, miio_item, miio_tree, info);
        break;
    case MIIO_KIND_HA_PROBE:
    case MIIO_KIND_HA_PROBE_REPLY:
        add_header_fields(miio_tree, tvb, info);
        miio_ha_lan_frame(tvb, pinfo, miio_item, miio_tree, info);
        break;
    case MIIO_KIND_DATA:
        add_header_fields(miio_tree, tvb, info);
        miio_ha_add_device_id64(tvb, miio_tree, info);
        miio_miot_add_model(miio_tree, tvb, pinfo, &info->miot);
        dissect_data(tvb, pinfo, miio_item, root, miio_tree, plaintext, info, tap);
        break;
    }

    if (info->length_status == MIIO_LENGTH_TRAILING_BYTES) {
        proto_item *ti = proto_tree_add_item(miio_tree, hf_miio_trailing, tvb, (int)info->frame_len, -1, ENC_NA);
        expert_add_info(pinfo, ti, &ei_miio_trailing);
        proto_item_set_len(miio_item, (int)info->frame_len);
    } else if (info->length_status == MIIO_LENGTH_TRUNCATED) {
        expert_add_info(pinfo, miio_item, &ei_miio_truncated);
    }
    miio_tap_queue(pinfo, info, plaintext, tap);
}
