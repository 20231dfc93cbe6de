/*
 * packet-miio.c - Xiaomi miIO dissector: registration and the protocol tree.
 *
 * Parsing, checksum verification, decryption, reading the JSON and the
 * links between frames happen in Rust behind include/miio_dissector.h; this
 * file turns the result into fields, expert infos, columns, the "Decrypted
 * miIO" data source and the tap.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <stdbool.h>

#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include <epan/dissectors/packet-tcp.h>
#include "miio-shim.h"
#include "ws-compat.h"

#define MIIO_UDP_PORTS "54321,8053"
#define MIIO_TCP_PORTS "8053"
#define MIIO_CLOUD_PORT 8053
#define MIIO_STAMP_NONE 0xffffffffU

static int proto_miio = -1;

static int hf_miio_magic = -1;
static int hf_miio_length = -1;
static int hf_miio_unknown = -1;
static int hf_miio_device_id = -1;
static int hf_miio_stamp = -1;
static int hf_miio_stamp_delta = -1;
static int hf_miio_checksum = -1;
static int hf_miio_checksum_status = -1;
static int hf_miio_token = -1;
static int hf_miio_encrypted = -1;
static int hf_miio_decrypted = -1;
static int hf_miio_key_origin = -1;
static int hf_miio_key_row = -1;
static int hf_miio_key_file_line = -1;
static int hf_miio_key_learned_in = -1;
static int hf_miio_trailing = -1;
static int hf_miio_decrypted_bytes = -1;
static int hf_miio_repaired = -1;
static int hf_miio_time_sync = -1;
static int hf_miio_map_blob = -1;
static int hf_miio_stream_data = -1;
static int hf_miio_id = -1;
static int hf_miio_method = -1;
static int hf_miio_params = -1;
static int hf_miio_result = -1;
static int hf_miio_error = -1;
static int hf_miio_error_code = -1;
static int hf_miio_error_message = -1;
static int hf_miio_response_in = -1;
static int hf_miio_request_in = -1;
static int hf_miio_time = -1;
static int hf_miio_duplicate_of = -1;
static int hf_miio_retry_of = -1;

static gint ett_miio = -1;
static gint ett_miio_decrypted = -1;

static expert_field ei_miio_malformed = EI_INIT;
static expert_field ei_miio_trailing = EI_INIT;
static expert_field ei_miio_truncated = EI_INIT;
static expert_field ei_miio_checksum_bad = EI_INIT;
static expert_field ei_miio_no_key = EI_INIT;
static expert_field ei_miio_decrypt_failed = EI_INIT;
static expert_field ei_miio_token_leaked = EI_INIT;
static expert_field ei_miio_key_learned = EI_INIT;
static expert_field ei_miio_duplicate = EI_INIT;
static expert_field ei_miio_retry = EI_INIT;
static expert_field ei_miio_internal = EI_INIT;
static expert_field ei_miio_json_repaired = EI_INIT;
static expert_field ei_miio_not_json = EI_INIT;
static expert_field ei_miio_not_utf8 = EI_INIT;
static expert_field ei_miio_map_blob = EI_INIT;
static expert_field ei_miio_stream_data = EI_INIT;

static dissector_handle_t miio_handle;
static dissector_handle_t miio_tcp_handle;
static dissector_handle_t json_handle;
static int proto_json = -1;
/* Preference: run the JSON dissector on every decrypted payload shown in a
 * tree (off: only when a display filter uses a json.* field). */
static miio_bool miio_dissect_json = TRUE;
static int miio_tap = -1;

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
        proto_item_append_text(ti, " s since the device's previous frame");
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

/* The 32-byte frames: hellos, hello replies, and on a cloud connection the
 * cloud hello, time sync and keep-alives. */
static void
dissect_short_frame(tvbuff_t *tvb, packet_info *pinfo, proto_item *miio_item,
              proto_tree *tree, const miio_frame_info *info)
{
    const char *what = "Hello reply";

    switch (info->kind) {
    case MIIO_KIND_HELLO_REQUEST:
        what = "Hello";
        proto_tree_add_item(tree, hf_miio_checksum, tvb, MIIO_OFFSET_CHECKSUM, MIIO_CHECKSUM_LEN, ENC_NA);
        col_set_str(pinfo->cinfo, COL_INFO, "Hello");
        break;
    case MIIO_KIND_HELLO_REPLY_TOKEN: {
        proto_item *ti = proto_tree_add_item(tree, hf_miio_token, tvb, MIIO_OFFSET_CHECKSUM,
                                             MIIO_TOKEN_LEN, ENC_NA);
        expert_add_info(pinfo, ti, &ei_miio_token_leaked);
        if (info->session.taught != MIIO_KEY_ORIGIN_NONE)
            expert_add_info_format(pinfo, ti, &ei_miio_key_learned,
                "Token learned for device 0x%08x: its frames decrypt with it", info->header.device_id);
        col_add_fstr(pinfo->cinfo, COL_INFO, "Hello reply, device 0x%08x, token leaked",
                     info->header.device_id);
        break;
    }
    case MIIO_KIND_CLOUD_HELLO:
        what = "Cloud hello";
        proto_tree_add_item(tree, hf_miio_checksum, tvb, MIIO_OFFSET_CHECKSUM, MIIO_CHECKSUM_LEN, ENC_NA);
        col_set_str(pinfo->cinfo, COL_INFO, "Cloud hello (device to cloud)");
        break;
    case MIIO_KIND_TIME_SYNC: {
        nstime_t when;
        proto_item *ti;
        what = "Time sync";
        when.secs = (time_t)info->header.stamp;
        when.nsecs = 0;
        ti = proto_tree_add_time(tree, hf_miio_time_sync, tvb, MIIO_OFFSET_STAMP, 4, &when);
        proto_item_set_generated(ti);
        proto_tree_add_item(tree, hf_miio_checksum, tvb, MIIO_OFFSET_CHECKSUM, MIIO_CHECKSUM_LEN, ENC_NA);
        col_add_fstr(pinfo->cinfo, COL_INFO, "Time sync (cloud to device), server time %s",
                     abs_time_secs_to_str(pinfo->pool, when.secs, ABSOLUTE_TIME_UTC, TRUE));
        break;
    }
    case MIIO_KIND_KEEPALIVE:
        what = info->session.keepalive_echo ? "Keep-alive echo" : "Keep-alive";
        proto_tree_add_item(tree, hf_miio_checksum, tvb, MIIO_OFFSET_CHECKSUM, MIIO_CHECKSUM_LEN, ENC_NA);
        col_add_fstr(pinfo->cinfo, COL_INFO, "%s, device 0x%08x", what, info->header.device_id);
        break;
    default:
        proto_tree_add_item(tree, hf_miio_checksum, tvb, MIIO_OFFSET_CHECKSUM, MIIO_CHECKSUM_LEN, ENC_NA);
        col_add_fstr(pinfo->cinfo, COL_INFO, "Hello reply, device 0x%08x", info->header.device_id);
        break;
    }
    proto_item_append_text(miio_item, ", %s", what);
}

static void
add_checksum(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const miio_frame_info *info)
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

/* "Key: ..." - which key was used and where it came from. */
static void
add_key_origin(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const miio_session *s)
{
    const char *origin;
    int hf_ref;
    proto_item *ti;

    switch (s->key_origin) {
    case MIIO_KEY_ORIGIN_TABLE_ROW:
        origin = wmem_strdup_printf(pinfo->pool, "miio_keys row %u", s->key_origin_ref);
        hf_ref = hf_miio_key_row;
        break;
    case MIIO_KEY_ORIGIN_FILE_LINE:
        origin = wmem_strdup_printf(pinfo->pool, "key file line %u", s->key_origin_ref);
        hf_ref = hf_miio_key_file_line;
        break;
    case MIIO_KEY_ORIGIN_HELLO_REPLY:
    case MIIO_KEY_ORIGIN_INFO_REPLY:
    case MIIO_KEY_ORIGIN_OTC_INFO:
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
add_span_string(proto_tree *tree, int hf, tvbuff_t *plain_tvb, miio_span span)
{
    if (span.present)
        proto_tree_add_item(tree, hf, plain_tvb, span.offset, span.length, ENC_UTF_8);
}

/* The JSON fields, each pointing at its bytes in the decrypted payload. */
static void
add_payload_fields(proto_tree *tree, tvbuff_t *plain_tvb, const miio_payload *p)
{
    if (p->id_span.present && p->id_is_integer)
        proto_tree_add_int64(tree, hf_miio_id, plain_tvb, p->id_span.offset, p->id_span.length, p->id);
    add_span_string(tree, hf_miio_method, plain_tvb, p->method);
    add_span_string(tree, hf_miio_params, plain_tvb, p->params);
    add_span_string(tree, hf_miio_result, plain_tvb, p->result);
    add_span_string(tree, hf_miio_error, plain_tvb, p->error);
    if (p->error_code_span.present)
        proto_tree_add_int64(tree, hf_miio_error_code, plain_tvb, p->error_code_span.offset,
                             p->error_code_span.length, p->error_code);
    add_span_string(tree, hf_miio_error_message, plain_tvb, p->error_message);
}

/* Response In / Request In / time / duplicates / retries. */
static void
add_links(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const miio_session *s)
{
    proto_item *ti;

    if (s->response_in) {
        ti = proto_tree_add_uint(tree, hf_miio_response_in, tvb, 0, 0, s->response_in);
        proto_item_set_generated(ti);
    }
    if (s->request_in) {
        ti = proto_tree_add_uint(tree, hf_miio_request_in, tvb, 0, 0, s->request_in);
        proto_item_set_generated(ti);
    }
    if (s->has_response_time) {
        nstime_t delta;
        delta.secs = (time_t)(s->response_time_ns / 1000000000);
        delta.nsecs = (int)(s->response_time_ns % 1000000000);
        ti = proto_tree_add_time(tree, hf_miio_time, tvb, 0, 0, &delta);
        proto_item_set_generated(ti);
    }
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
              uint8_t *plaintext, const miio_frame_info *info)
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
    ti = proto_tree_add_item(tree, hf_miio_decrypted, plain_tvb, 0, len, ENC_UTF_8);
    plain_tree = proto_item_add_subtree(ti, ett_miio_decrypted);
    json_tvb = plain_tvb;

    if (p->repaired.present) {
        json_tvb = tvb_new_child_real_data(tvb, plaintext + p->repaired.offset, p->repaired.length,
                                           p->repaired.length);
        add_new_data_source(pinfo, json_tvb, "Repaired JSON");
        ti = proto_tree_add_item(plain_tree, hf_miio_repaired, json_tvb, 0, p->repaired.length, ENC_UTF_8);
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
    add_payload_fields(plain_tree, json_tvb, p);
    if (json_handle && json_wanted(root))
        call_dissector(json_handle, json_tvb, pinfo, root);

    /* After the JSON dissector, which sets its own columns. */
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "miIO");
    col_add_str(pinfo->cinfo, COL_INFO, p->summary);
}

static void
dissect_data(tvbuff_t *tvb, packet_info *pinfo, proto_item *miio_item, proto_tree *root,
             proto_tree *tree, uint8_t *plaintext, const miio_frame_info *info)
{
    int ct_len = (int)(info->frame_len - MIIO_HEADER_LEN);
    proto_item *enc_item;

    add_checksum(tvb, pinfo, tree, info);
    enc_item = proto_tree_add_item(tree, hf_miio_encrypted, tvb, MIIO_HEADER_LEN, ct_len, ENC_NA);
    add_key_origin(tvb, pinfo, tree, &info->session);

    switch (info->decrypt_status) {
    case MIIO_DECRYPT_OK:
        add_plaintext(tvb, pinfo, root, tree, plaintext, info);
        if (info->session.taught != MIIO_KEY_ORIGIN_NONE)
            expert_add_info_format(pinfo, miio_item, &ei_miio_key_learned,
                "Token learned for device 0x%08x from this %s", info->header.device_id,
                val_to_str_const(info->session.taught, miio_taught_vals, "frame"));
        break;
    case MIIO_DECRYPT_NO_KEY:
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
    proto_item_append_text(miio_item, ", Device 0x%08x", info->header.device_id);
    if (info->payload.summary[0])
        proto_item_append_text(miio_item, ", %s", info->payload.summary);
}

static void
queue_tap(packet_info *pinfo, const miio_frame_info *info, const uint8_t *plaintext)
{
    miio_tap_info *t = wmem_new0(pinfo->pool, miio_tap_info);

    t->kind = info->kind;
    t->payload_kind = info->payload.kind;
    t->device_id = info->header.device_id;
    if (info->payload.method.present)
        t->method = wmem_strndup(pinfo->pool, (const char *)plaintext + info->payload.method.offset,
                                 info->payload.method.length);
    t->has_error_code = info->payload.error_code_span.present;
    t->error_code = info->payload.error_code;
    tap_queue_packet(miio_tap, pinfo, t);
}

static miio_frame_context
frame_context(packet_info *pinfo, miio_transport transport, uint32_t pdu_index)
{
    miio_frame_context ctx;
    conversation_t *conv = find_or_create_conversation(pinfo);

    ctx.frame_number = pinfo->num;
    ctx.pdu_index = pdu_index;
    ctx.transport = transport;
    ctx.visited = PINFO_FD_VISITED(pinfo) ? 1 : 0;
    ctx.conversation = conv ? conv->conv_index : 0;
    ctx.time_sec = (int64_t)pinfo->abs_ts.secs;
    ctx.time_nsec = pinfo->abs_ts.nsecs;
    return ctx;
}

/* The 0-based place of the next miIO frame in this packet (TCP segments may
 * carry several); counted in packet-scoped proto data. */
static uint32_t
next_pdu_index(packet_info *pinfo)
{
    uint32_t index = GPOINTER_TO_UINT(p_get_proto_data(pinfo->pool, pinfo, proto_miio, 0));

    p_add_proto_data(pinfo->pool, pinfo, proto_miio, 0, GUINT_TO_POINTER(index + 1));
    return index;
}

/* One miIO frame, from UDP or from a TCP stream. */
static int
dissect_miio_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, miio_transport transport)
{
    unsigned captured = tvb_captured_length(tvb);
    unsigned reported = tvb_reported_length(tvb);
    const uint8_t *bytes = tvb_get_ptr(tvb, 0, captured);
    uint32_t pdu_index = next_pdu_index(pinfo);
    /* Room for the plaintext and a repaired copy of it. */
    size_t ct_cap = captured > MIIO_HEADER_LEN ? captured - MIIO_HEADER_LEN : 0;
    size_t plaintext_cap = 2 * ct_cap + 64;
    uint8_t *plaintext = (uint8_t *)wmem_alloc(pinfo->pool, plaintext_cap);
    miio_frame_context ctx = frame_context(pinfo, transport, pdu_index);
    miio_frame_info info;
    proto_item *miio_item;
    proto_tree *miio_tree;

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "miIO");
    if (pdu_index > 0) {
        /* Several frames in one segment: keep the Info text of the earlier ones. */
        col_append_str(pinfo->cinfo, COL_INFO, " | ");
        col_set_fence(pinfo->cinfo, COL_INFO);
    } else {
        col_clear(pinfo->cinfo, COL_INFO);
    }

    miio_item = proto_tree_add_item(tree, proto_miio, tvb, 0, -1, ENC_NA);
    miio_tree = proto_item_add_subtree(miio_item, ett_miio);

    if (miio_dissect_frame(bytes, captured, reported, &ctx, plaintext, plaintext_cap, &info) != MIIO_OK) {
        expert_add_info(pinfo, miio_item, &ei_miio_internal);
        return captured;
    }

    switch (info.kind) {
    case MIIO_KIND_MALFORMED:
        dissect_malformed(tvb, pinfo, miio_item, miio_tree, &info);
        break;
    case MIIO_KIND_HELLO_REQUEST:
    case MIIO_KIND_HELLO_REPLY:
    case MIIO_KIND_HELLO_REPLY_TOKEN:
    case MIIO_KIND_CLOUD_HELLO:
    case MIIO_KIND_TIME_SYNC:
    case MIIO_KIND_KEEPALIVE:
        add_header_fields(miio_tree, tvb, &info);
        dissect_short_frame(tvb, pinfo, miio_item, miio_tree, &info);
        break;
    case MIIO_KIND_DATA:
        add_header_fields(miio_tree, tvb, &info);
        dissect_data(tvb, pinfo, miio_item, tree, miio_tree, plaintext, &info);
        break;
    }

    if (info.length_status == MIIO_LENGTH_TRAILING_BYTES) {
        proto_item *ti = proto_tree_add_item(miio_tree, hf_miio_trailing, tvb, (int)info.frame_len, -1, ENC_NA);
        expert_add_info(pinfo, ti, &ei_miio_trailing);
        proto_item_set_len(miio_item, (int)info.frame_len);
    } else if (info.length_status == MIIO_LENGTH_TRUNCATED) {
        expert_add_info(pinfo, miio_item, &ei_miio_truncated);
    }
    queue_tap(pinfo, &info, plaintext);
    return captured;
}

static miio_transport
udp_transport(packet_info *pinfo)
{
    return (pinfo->srcport == MIIO_CLOUD_PORT || pinfo->destport == MIIO_CLOUD_PORT)
        ? MIIO_TRANSPORT_CLOUD : MIIO_TRANSPORT_LOCAL;
}

static int
dissect_miio(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    return dissect_miio_frame(tvb, pinfo, tree, udp_transport(pinfo));
}

/* TCP to the cloud: frames back to back, split anywhere. */
static unsigned
get_miio_pdu_len(packet_info *pinfo _U_, tvbuff_t *tvb, int offset, void *data _U_)
{
    unsigned avail = tvb_captured_length_remaining(tvb, offset);
    miio_pdu_kind kind = MIIO_PDU_OTHER;
    size_t length = 0;

    if (miio_stream_pdu(tvb_get_ptr(tvb, offset, avail), avail, &kind, &length) == MIIO_OK
            && kind == MIIO_PDU_FRAME)
        return (unsigned)length;
    /* Not a miIO frame: the rest of what we have (a map upload, other data). */
    return tvb_reported_length_remaining(tvb, offset);
}

static int
dissect_miio_tcp_pdu(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    unsigned avail = tvb_captured_length(tvb);
    miio_pdu_kind kind = MIIO_PDU_OTHER;
    size_t length = 0;
    proto_item *ti;

    miio_stream_pdu(tvb_get_ptr(tvb, 0, avail), avail, &kind, &length);
    if (kind == MIIO_PDU_FRAME)
        return dissect_miio_frame(tvb, pinfo, tree, MIIO_TRANSPORT_CLOUD);

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "miIO");
    ti = proto_tree_add_item(tree, proto_miio, tvb, 0, -1, ENC_NA);
    if (kind == MIIO_PDU_MAP_BLOB) {
        ti = proto_tree_add_item(proto_item_add_subtree(ti, ett_miio), hf_miio_map_blob, tvb, 0, -1, ENC_NA);
        expert_add_info(pinfo, ti, &ei_miio_map_blob);
        col_add_fstr(pinfo->cinfo, COL_INFO, "Roborock map upload (not miIO), %u bytes", avail);
    } else {
        ti = proto_tree_add_item(proto_item_add_subtree(ti, ett_miio), hf_miio_stream_data, tvb, 0, -1, ENC_NA);
        expert_add_info(pinfo, ti, &ei_miio_stream_data);
        col_add_fstr(pinfo->cinfo, COL_INFO, "Data on the cloud connection (not miIO), %u bytes", avail);
    }
    return avail;
}

static int
dissect_miio_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    tcp_dissect_pdus(tvb, pinfo, tree, TRUE, 4, get_miio_pdu_len, dissect_miio_tcp_pdu, data);
    return tvb_captured_length(tvb);
}

/* The start of a TCP stream that only miIO sends; never ordinary HTTP. */
static miio_bool
dissect_miio_tcp_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    unsigned captured = tvb_captured_length(tvb);
    uint8_t matches = 0;

    if (captured < MIIO_HEADER_LEN)
        return FALSE;
    if (miio_heuristic_match(tvb_get_ptr(tvb, 0, captured), captured, tvb_reported_length(tvb), 1,
                             &matches) != MIIO_OK || !matches)
        return FALSE;
    conversation_set_dissector(find_or_create_conversation(pinfo), miio_tcp_handle);
    dissect_miio_tcp(tvb, pinfo, tree, data);
    return TRUE;
}

/* Strict test on any UDP port; once a conversation matched, it stays miIO. */
static miio_bool
dissect_miio_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    unsigned captured = tvb_captured_length(tvb);
    uint8_t matches = 0;

    if (captured < MIIO_HEADER_LEN)
        return FALSE;
    if (miio_heuristic_match(tvb_get_ptr(tvb, 0, captured), captured, tvb_reported_length(tvb), 0,
                             &matches) != MIIO_OK || !matches)
        return FALSE;
    conversation_set_dissector(find_or_create_conversation(pinfo), miio_handle);
    dissect_miio(tvb, pinfo, tree, data);
    return TRUE;
}

static void
miio_init(void)
{
    miio_capture_reset();
}

static void
miio_prefs_apply(void)
{
    miio_keys_apply_file_preference();
}

void
proto_register_miio(void)
{
    static hf_register_info hf[] = {
        { &hf_miio_magic,
          { "Magic", "miio.magic", FT_UINT16, BASE_HEX, NULL, 0x0,
            "Frame magic, always 0x2131", HFILL } },
        { &hf_miio_length,
          { "Length", "miio.length", FT_UINT16, BASE_DEC, NULL, 0x0,
            "Length of the whole frame, header included", HFILL } },
        { &hf_miio_unknown,
          { "Unknown", "miio.unknown", FT_UINT32, BASE_HEX, NULL, 0x0,
            "0x00000000, or 0xffffffff in a hello request", HFILL } },
        { &hf_miio_device_id,
          { "Device ID", "miio.device_id", FT_UINT32, BASE_HEX, NULL, 0x0,
            "The device's id (did)", HFILL } },
        { &hf_miio_stamp,
          { "Stamp", "miio.stamp", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Device time stamp (seconds)", HFILL } },
        { &hf_miio_stamp_delta,
          { "Stamp delta", "miio.stamp.delta", FT_INT64, BASE_DEC, NULL, 0x0,
            "Stamp minus the stamp of the device's previous frame", HFILL } },
        { &hf_miio_checksum,
          { "Checksum", "miio.checksum", FT_BYTES, BASE_NONE, NULL, 0x0,
            "MD5 of the frame with the token in place of the checksum", HFILL } },
        { &hf_miio_checksum_status,
          { "Checksum Status", "miio.checksum.status", FT_UINT8, BASE_NONE,
            VALS(proto_checksum_vals), 0x0, NULL, HFILL } },
        { &hf_miio_token,
          { "Token", "miio.token", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Device token sent in clear by an unprovisioned device's hello reply", HFILL } },
        { &hf_miio_encrypted,
          { "Encrypted payload", "miio.encrypted", FT_BYTES, BASE_NONE, NULL, 0x0,
            "AES-128-CBC ciphertext", HFILL } },
        { &hf_miio_decrypted,
          { "Decrypted payload", "miio.decrypted", FT_STRING, BASE_NONE, NULL, 0x0,
            "Plaintext (JSON), trailing NULs stripped", HFILL } },
        { &hf_miio_key_origin,
          { "Key", "miio.key", FT_STRING, BASE_NONE, NULL, 0x0,
            "Where the key that verified or decrypted this frame came from", HFILL } },
        { &hf_miio_key_row,
          { "Key row", "miio.key_row", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Row of the miio_keys table whose key verified or decrypted this frame", HFILL } },
        { &hf_miio_key_file_line,
          { "Key file line", "miio.key.file_line", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Line of the key file whose key verified or decrypted this frame", HFILL } },
        { &hf_miio_key_learned_in,
          { "Key learned in", "miio.key.learned_in", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "The frame that revealed the key used for this frame", HFILL } },
        { &hf_miio_trailing,
          { "Trailing bytes", "miio.trailing", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Bytes after the length given in the header", HFILL } },
        { &hf_miio_decrypted_bytes,
          { "Decrypted bytes", "miio.decrypted.bytes", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Plaintext that is not UTF-8 text, as bytes", HFILL } },
        { &hf_miio_repaired,
          { "Repaired JSON", "miio.decrypted.repaired", FT_STRING, BASE_NONE, NULL, 0x0,
            "The plaintext after a known repair of invalid JSON from device firmware", HFILL } },
        { &hf_miio_time_sync,
          { "Server time", "miio.time_sync", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0x0,
            "The cloud's time in a time-sync frame (its stamp)", HFILL } },
        { &hf_miio_map_blob,
          { "Roborock map upload", "miio.map_blob", FT_BYTES, BASE_NONE, NULL, 0x0,
            "A ROCKROBO_MAP__ upload on the cloud connection (not miIO)", HFILL } },
        { &hf_miio_stream_data,
          { "Other data", "miio.stream_data", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Bytes on a cloud connection that do not start a miIO frame", HFILL } },
        { &hf_miio_id,
          { "Id", "miio.id", FT_INT64, BASE_DEC, NULL, 0x0,
            "JSON \"id\": pairs a request with its reply", HFILL } },
        { &hf_miio_method,
          { "Method", "miio.method", FT_STRING, BASE_NONE, NULL, 0x0,
            "JSON \"method\" of a request", HFILL } },
        { &hf_miio_params,
          { "Params", "miio.params", FT_STRING, BASE_NONE, NULL, 0x0,
            "JSON \"params\" of a request, as sent", HFILL } },
        { &hf_miio_result,
          { "Result", "miio.result", FT_STRING, BASE_NONE, NULL, 0x0,
            "JSON \"result\" of a reply, as sent", HFILL } },
        { &hf_miio_error,
          { "Error", "miio.error", FT_STRING, BASE_NONE, NULL, 0x0,
            "JSON \"error\" of a reply, as sent", HFILL } },
        { &hf_miio_error_code,
          { "Error code", "miio.error.code", FT_INT64, BASE_DEC, NULL, 0x0,
            "JSON \"error\".\"code\"", HFILL } },
        { &hf_miio_error_message,
          { "Error message", "miio.error.message", FT_STRING, BASE_NONE, NULL, 0x0,
            "JSON \"error\".\"message\"", HFILL } },
        { &hf_miio_response_in,
          { "Response In", "miio.response_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, "The reply to this request is in this frame", HFILL } },
        { &hf_miio_request_in,
          { "Request In", "miio.request_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "This is a reply to the request in this frame", HFILL } },
        { &hf_miio_time,
          { "Time", "miio.time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
            "Time between the request and this reply", HFILL } },
        { &hf_miio_duplicate_of,
          { "Duplicate of", "miio.duplicate_of", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_DUP_ACK), 0x0, "This reply repeats the reply in this frame", HFILL } },
        { &hf_miio_retry_of,
          { "Retry of", "miio.retry_of", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RETRANS_PREV), 0x0,
            "This request (id + 100) retries the unanswered request in this frame", HFILL } },
    };

    static gint *ett[] = {
        &ett_miio,
        &ett_miio_decrypted,
    };

    static ei_register_info ei[] = {
        { &ei_miio_malformed,
          { "miio.malformed", PI_MALFORMED, PI_ERROR, "Malformed miIO frame", EXPFILL } },
        { &ei_miio_trailing,
          { "miio.trailing.expert", PI_MALFORMED, PI_ERROR,
            "Packet is longer than the miIO length field says", EXPFILL } },
        { &ei_miio_truncated,
          { "miio.truncated", PI_MALFORMED, PI_NOTE,
            "Frame cut short by the capture's snapshot length", EXPFILL } },
        { &ei_miio_checksum_bad,
          { "miio.checksum.bad", PI_CHECKSUM, PI_WARN,
            "Checksum mismatch: wrong key or corrupted frame", EXPFILL } },
        { &ei_miio_no_key,
          { "miio.no_key", PI_UNDECODED, PI_NOTE, "No key for this device", EXPFILL } },
        { &ei_miio_decrypt_failed,
          { "miio.decryption_failed", PI_DECRYPTION, PI_WARN, "Decryption failed", EXPFILL } },
        { &ei_miio_token_leaked,
          { "miio.token.leaked", PI_SECURITY, PI_WARN,
            "Hello reply carries the device token in clear (unprovisioned device)", EXPFILL } },
        { &ei_miio_key_learned,
          { "miio.key.learned", PI_DECRYPTION, PI_NOTE, "Token learned from the traffic", EXPFILL } },
        { &ei_miio_duplicate,
          { "miio.duplicate", PI_SEQUENCE, PI_NOTE, "Duplicate reply", EXPFILL } },
        { &ei_miio_retry,
          { "miio.retry", PI_SEQUENCE, PI_NOTE, "Retried request", EXPFILL } },
        { &ei_miio_json_repaired,
          { "miio.json.repaired", PI_PROTOCOL, PI_NOTE, "Invalid JSON repaired", EXPFILL } },
        { &ei_miio_not_json,
          { "miio.json.invalid", PI_PROTOCOL, PI_WARN, "Decrypted payload is not JSON", EXPFILL } },
        { &ei_miio_not_utf8,
          { "miio.not_utf8", PI_PROTOCOL, PI_WARN,
            "Decrypted payload is not UTF-8 text (shown as bytes)", EXPFILL } },
        { &ei_miio_map_blob,
          { "miio.map_blob.expert", PI_UNDECODED, PI_NOTE,
            "Roborock map upload on the cloud connection (not miIO)", EXPFILL } },
        { &ei_miio_stream_data,
          { "miio.stream_data.expert", PI_UNDECODED, PI_NOTE,
            "Data on the cloud connection that is not a miIO frame", EXPFILL } },
        { &ei_miio_internal,
          { "miio.internal_error", PI_MALFORMED, PI_ERROR,
            "miIO dissector internal error (frame not dissected)", EXPFILL } },
    };

    module_t *miio_module;
    expert_module_t *expert_miio;

    proto_miio = proto_register_protocol("Xiaomi miIO", "miIO", "miio");
    proto_register_field_array(proto_miio, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_miio = expert_register_protocol(proto_miio);
    expert_register_field_array(expert_miio, ei, array_length(ei));

    miio_handle = register_dissector("miio", dissect_miio, proto_miio);
    miio_tcp_handle = register_dissector("miio.tcp", dissect_miio_tcp, proto_miio);
    miio_tap = register_tap("miio");
    register_init_routine(miio_init);

    miio_module = prefs_register_protocol(proto_miio, miio_prefs_apply);
    miio_keys_register(miio_module);
    prefs_register_bool_preference(miio_module, "dissect_json", "Dissect the decrypted JSON",
        "Show every decrypted payload with Wireshark's JSON dissector. Off: the JSON "
        "dissector runs only when a display filter uses a json.* field, which makes "
        "tshark -T fields about twice as fast; the miio.* fields (method, params, "
        "result, ...) stay.",
        &miio_dissect_json);
    miio_stats_register();
}

void
proto_reg_handoff_miio(void)
{
    json_handle = find_dissector_add_dependency("json", proto_miio);
    proto_json = proto_get_id_by_filter_name("json");
    dissector_add_uint_range_with_preference("udp.port", MIIO_UDP_PORTS, miio_handle);
    dissector_add_uint_range_with_preference("tcp.port", MIIO_TCP_PORTS, miio_tcp_handle);
    heur_dissector_add("udp", dissect_miio_heur, "miIO over UDP", "miio_udp", proto_miio,
                       HEURISTIC_ENABLE);
    heur_dissector_add("tcp", dissect_miio_tcp_heur, "miIO over TCP (device to Mi cloud)", "miio_tcp",
                       proto_miio, HEURISTIC_ENABLE);
}
