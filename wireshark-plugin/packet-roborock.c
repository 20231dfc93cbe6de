/*
 * packet-roborock.c - Roborock dissector: registration and the entry points
 * (local TCP 58867 with its u32 length prefix, discovery broadcasts on UDP
 * 58866, MQTT payloads on rr/... topics via the "mqtt.topic" heuristics).
 * Parsing, key choice, decryption and links happen in Rust behind
 * include/miio_dissector.h; roborock-tree.c draws the result.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/proto_data.h>
#include <epan/tap.h>

#include "roborock-fields.h"
#include "tcp-stream.h"

int proto_roborock = -1;
int hf_roborock_length = -1;
int hf_roborock_version = -1;
int hf_roborock_seq = -1;
int hf_roborock_random = -1;
int hf_roborock_timestamp = -1;
int hf_roborock_protocol = -1;
int hf_roborock_payload_len = -1;
int hf_roborock_payload = -1;
int hf_roborock_trailer = -1;
int hf_roborock_crc = -1;
int hf_roborock_crc_status = -1;
int hf_roborock_tag_status = -1;
int hf_roborock_decrypted = -1;
int hf_roborock_decrypted_bytes = -1;
int hf_roborock_rpc = -1;
int hf_roborock_key_row = -1;
int hf_roborock_id = -1;
int hf_roborock_method = -1;
int hf_roborock_params = -1;
int hf_roborock_result = -1;
int hf_roborock_error_code = -1;
int hf_roborock_error_message = -1;
int hf_roborock_request_in = -1;
int hf_roborock_response_in = -1;
int hf_roborock_time = -1;
int hf_roborock_duid = -1;
int hf_roborock_map = -1;
int hf_roborock_map_request_id = -1;
static int hf_roborock_continuation = -1;
static int hf_roborock_stray = -1;

gint ett_roborock = -1;
gint ett_roborock_decrypted = -1;

expert_field ei_roborock_malformed = EI_INIT;
expert_field ei_roborock_crc_bad = EI_INIT;
expert_field ei_roborock_tag_bad = EI_INIT;
expert_field ei_roborock_no_key = EI_INIT;
expert_field ei_roborock_decrypt_failed = EI_INIT;
expert_field ei_roborock_no_nonces = EI_INIT;
expert_field ei_roborock_map = EI_INIT;
expert_field ei_roborock_internal = EI_INIT;
static expert_field ei_roborock_continuation = EI_INIT;
static expert_field ei_roborock_stray = EI_INIT;

dissector_handle_t roborock_json_handle;
int roborock_tap = -1;
static dissector_handle_t roborock_tcp_handle;
static dissector_handle_t roborock_udp_handle;

static const value_string roborock_protocol_vals[] = {
    { 0,   "hello request" },
    { 1,   "hello response" },
    { 2,   "ping request" },
    { 3,   "ping response" },
    { 4,   "general request" },
    { 5,   "general response" },
    { 101, "RPC request" },
    { 102, "RPC response" },
    { 301, "map response" },
    { 0, NULL }
};

/* The 0-based place of the next Roborock frame in this packet. */
static uint32_t
next_pdu_index(packet_info *pinfo)
{
    uint32_t index = GPOINTER_TO_UINT(p_get_proto_data(pinfo->pool, pinfo, proto_roborock, 0));

    p_add_proto_data(pinfo->pool, pinfo, proto_roborock, 0, GUINT_TO_POINTER(index + 1));
    return index;
}

static void
queue_tap(packet_info *pinfo, const roborock_frame_info *info, const uint8_t *plaintext,
          const char *protocol, const roborock_dp_list *dps)
{
    roborock_tap_info *t = wmem_new0(pinfo->pool, roborock_tap_info);

    if (info->error != ROBOROCK_FRAME_OK)
        return;
    memcpy(t->version, info->version, sizeof t->version);
    t->protocol_name = protocol;
    if (info->method.present)
        t->method = wmem_strndup(pinfo->pool, (const char *)plaintext + info->method.offset,
                                 info->method.length);
    if (info->duid[0])
        t->duid = wmem_strdup(pinfo->pool, info->duid);
    t->is_error = info->payload_kind == ROBOROCK_PAYLOAD_RPC_ERROR;
    t->has_error_code = info->error_code_span.present;
    t->error_code = info->error_code;
    t->dps = *dps;
    tap_queue_packet(roborock_tap, pinfo, t);
}

/* One frame (or broadcast): through the Rust core, then drawn. */
static void
dissect_one(tvbuff_t *pdu, packet_info *pinfo, proto_tree *tree, roborock_carrier carrier,
            const char *duid, uint32_t device_address)
{
    /* Local TCP: a u32 length prefix, then the frame. */
    int prefix = carrier == ROBOROCK_CARRIER_TCP ? 4 : 0;
    tvbuff_t *tvb = tvb_new_subset_remaining(pdu, prefix);
    unsigned len = tvb_captured_length(tvb);
    size_t cap = 2 * (size_t)len + 64;
    uint8_t *plaintext = (uint8_t *)wmem_alloc(pinfo->pool, cap);
    roborock_frame_context ctx;
    roborock_frame_info info;
    proto_item *item;
    proto_tree *subtree;
    const char *protocol;
    roborock_dp_list dps;

    ctx.frame_number = pinfo->num;
    ctx.visited = PINFO_FD_VISITED(pinfo) ? 1 : 0;
    ctx.conversation = miio_flow_key(pinfo);
    ctx.pdu_index = next_pdu_index(pinfo);
    ctx.carrier = carrier;
    ctx.time_sec = (int64_t)pinfo->abs_ts.secs;
    ctx.time_nsec = pinfo->abs_ts.nsecs;
    ctx.duid = duid;
    ctx.device_address = device_address;

    item = proto_tree_add_item(tree, proto_roborock, pdu, 0, -1, ENC_NA);
    subtree = proto_item_add_subtree(item, ett_roborock);
    if (prefix)
        proto_tree_add_item(subtree, hf_roborock_length, pdu, 0, 4, ENC_BIG_ENDIAN);
    if (roborock_dissect_frame(tvb_get_ptr(tvb, 0, len), len, &ctx, plaintext, cap, &info) != MIIO_OK) {
        expert_add_info(pinfo, item, &ei_roborock_internal);
        return;
    }
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "Roborock");
    dps = roborock_dp_fetch(pinfo, &info);
    protocol = carrier == ROBOROCK_CARRIER_DISCOVERY ? "discovery"
             : val_to_str_const(info.protocol, roborock_protocol_vals, "protocol ?");
    if (info.error == ROBOROCK_FRAME_OK) {
        proto_item_append_text(item, ", %s %s: %s", info.version, protocol, info.summary);
        col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ", "%s %s: %s", info.version, protocol,
                            info.summary);
    }
    roborock_tree_frame(tvb, pinfo, tree, item, subtree, plaintext, &info, &dps);
    queue_tap(pinfo, &info, plaintext, protocol, &dps);
}

static void
dissect_roborock_tcp_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    uint32_t device = pinfo->srcport == ROBOROCK_TCP_PORT
        ? miio_endpoint_hash(&pinfo->src, 0) : miio_endpoint_hash(&pinfo->dst, 0);
    dissect_one(tvb, pinfo, tree, ROBOROCK_CARRIER_TCP, NULL, device);
}

/* Bytes that start no frame: the end of one that began before the capture
 * (not malformed), or stray bytes in a stream that was in step. */
static void
dissect_roborock_tcp_skip(tvbuff_t *tvb, int offset, int length, bool continuation,
                          packet_info *pinfo, proto_tree *tree)
{
    proto_item *item = proto_tree_add_item(tree, proto_roborock, tvb, offset, length, ENC_NA);
    proto_tree *subtree = proto_item_add_subtree(item, ett_roborock);
    proto_item *ti;

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "Roborock");
    if (continuation) {
        ti = proto_tree_add_item(subtree, hf_roborock_continuation, tvb, offset, length, ENC_NA);
        expert_add_info(pinfo, ti, &ei_roborock_continuation);
        proto_item_append_text(item, ", continuation of a frame that began before the capture");
        col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ",
                            "Continuation of a frame that began before the capture, %d bytes", length);
    } else {
        ti = proto_tree_add_item(subtree, hf_roborock_stray, tvb, offset, length, ENC_NA);
        expert_add_info(pinfo, ti, &ei_roborock_stray);
        proto_item_append_text(item, ", bytes that start no frame");
        col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ", "Bytes that start no Roborock frame, %d bytes",
                            length);
    }
}

static const miio_stream_handlers roborock_stream = {
    MIIO_STREAM_ROBOROCK, dissect_roborock_tcp_frame, dissect_roborock_tcp_skip, NULL
};

static int
dissect_roborock_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    return miio_stream_dissect(tvb, pinfo, tree, proto_roborock, &roborock_stream);
}

/* Discovery broadcasts: their sender is the device. */
static int
dissect_roborock_udp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    col_clear(pinfo->cinfo, COL_INFO);
    dissect_one(tvb, pinfo, tree, ROBOROCK_CARRIER_DISCOVERY, NULL, miio_endpoint_hash(&pinfo->src, 0));
    return tvb_captured_length(tvb);
}

/* MQTT payloads on rr/... topics that are whole Roborock frames; the
 * topic's last level is the device's duid. */
static miio_bool
dissect_roborock_mqtt_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    const char *topic = (const char *)data;
    const char *duid;
    unsigned len = tvb_captured_length(tvb);
    uint8_t matches = 0;

    if (!topic || strncmp(topic, "rr/", 3) != 0 || len < ROBOROCK_HEADER_LEN)
        return FALSE;
    if (roborock_heuristic_match(tvb_get_ptr(tvb, 0, len), len, &matches) != MIIO_OK || !matches)
        return FALSE;
    duid = strrchr(topic, '/');
    dissect_one(tvb, pinfo, tree, ROBOROCK_CARRIER_MQTT, duid ? duid + 1 : NULL, 0);
    return TRUE;
}

void
proto_register_roborock(void)
{
    static hf_register_info hf[] = {
        { &hf_roborock_length, { "Length", "roborock.length", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Local TCP: length of the frame that follows", HFILL } },
        { &hf_roborock_version, { "Version", "roborock.version", FT_STRING, BASE_NONE, NULL, 0x0,
            "1.0, A01, B01 or L01", HFILL } },
        { &hf_roborock_seq, { "Sequence", "roborock.seq", FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_roborock_random, { "Random", "roborock.random", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Nonce; in L01 hellos the session's connect/ack nonce", HFILL } },
        { &hf_roborock_timestamp, { "Timestamp", "roborock.timestamp", FT_ABSOLUTE_TIME,
            ABSOLUTE_TIME_UTC, NULL, 0x0, NULL, HFILL } },
        { &hf_roborock_protocol, { "Protocol", "roborock.protocol", FT_UINT16, BASE_DEC,
            VALS(roborock_protocol_vals), 0x0, NULL, HFILL } },
        { &hf_roborock_payload_len, { "Payload length", "roborock.payload_len", FT_UINT16, BASE_DEC,
            NULL, 0x0, NULL, HFILL } },
        { &hf_roborock_payload, { "Encrypted payload", "roborock.payload", FT_BYTES, BASE_NONE, NULL,
            0x0, NULL, HFILL } },
        { &hf_roborock_trailer, { "Trailer", "roborock.trailer", FT_UINT32, BASE_HEX, NULL, 0x0,
            "A u32 after a payload-less header: a CRC32 (python-roborock) or a keep-alive / return code (the app)",
            HFILL } },
        { &hf_roborock_crc, { "CRC32", "roborock.crc", FT_UINT32, BASE_HEX, NULL, 0x0, NULL, HFILL } },
        { &hf_roborock_crc_status, { "CRC Status", "roborock.crc.status", FT_UINT8, BASE_NONE,
            VALS(proto_checksum_vals), 0x0, NULL, HFILL } },
        { &hf_roborock_tag_status, { "GCM Tag Status", "roborock.tag.status", FT_UINT8, BASE_NONE,
            VALS(proto_checksum_vals), 0x0, "L01: the AES-GCM tag", HFILL } },
        { &hf_roborock_decrypted, { "Decrypted payload", "roborock.decrypted", FT_STRING, BASE_NONE,
            NULL, 0x0, "Plaintext, padding removed", HFILL } },
        { &hf_roborock_decrypted_bytes, { "Decrypted payload", "roborock.decrypted.bytes", FT_BYTES,
            BASE_NONE, NULL, 0x0, "Plaintext that is not text (map responses)", HFILL } },
        { &hf_roborock_rpc, { "RPC", "roborock.rpc", FT_STRING, BASE_NONE, NULL, 0x0,
            "The RPC JSON inside dps 101/102, unescaped", HFILL } },
        { &hf_roborock_key_row, { "Key row", "roborock.key_row", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Row of miio_keys whose local key decrypted this frame", HFILL } },
        { &hf_roborock_id, { "Id", "roborock.id", FT_INT64, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_roborock_method, { "Method", "roborock.method", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_roborock_params, { "Params", "roborock.params", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_roborock_result, { "Result", "roborock.result", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_roborock_error_code, { "Error code", "roborock.error.code", FT_INT64, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_roborock_error_message, { "Error message", "roborock.error.message", FT_STRING, BASE_NONE,
            NULL, 0x0, NULL, HFILL } },
        { &hf_roborock_request_in, { "Request In", "roborock.request_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, NULL, HFILL } },
        { &hf_roborock_response_in, { "Response In", "roborock.response_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, NULL, HFILL } },
        { &hf_roborock_time, { "Time", "roborock.time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
            "Time between the request and this reply", HFILL } },
        { &hf_roborock_duid, { "Device (duid)", "roborock.duid", FT_STRING, BASE_NONE, NULL, 0x0,
            "From the MQTT topic, the discovery broadcast, or the address a broadcast tied to it", HFILL } },
        { &hf_roborock_map, { "Map", "roborock.map", FT_BYTES, BASE_NONE, NULL, 0x0,
            "The inflated map of a map response", HFILL } },
        { &hf_roborock_map_request_id, { "Map request id", "roborock.map.request_id", FT_UINT16,
            BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_roborock_continuation, { "Continuation of a frame that began before the capture",
            "roborock.continuation", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Local TCP: bytes before the first frame of their direction, no more than a frame's worth",
            HFILL } },
        { &hf_roborock_stray, { "Bytes that start no frame", "roborock.stray", FT_BYTES, BASE_NONE, NULL,
            0x0, "Local TCP: bytes where a length prefix should be but no plausible frame follows",
            HFILL } },
    };
    static gint *ett[] = { &ett_roborock, &ett_roborock_decrypted };
    static ei_register_info ei[] = {
        { &ei_roborock_malformed, { "roborock.malformed", PI_MALFORMED, PI_ERROR,
            "Malformed Roborock frame", EXPFILL } },
        { &ei_roborock_crc_bad, { "roborock.crc.bad", PI_CHECKSUM, PI_WARN,
            "CRC32 mismatch: corrupted frame", EXPFILL } },
        { &ei_roborock_tag_bad, { "roborock.tag.bad", PI_CHECKSUM, PI_WARN,
            "GCM tag does not verify", EXPFILL } },
        { &ei_roborock_no_key, { "roborock.no_key", PI_UNDECODED, PI_NOTE,
            "No Roborock key: add a roborock row (duid, local key) under Preferences > Protocols > miIO",
            EXPFILL } },
        { &ei_roborock_decrypt_failed, { "roborock.decryption_failed", PI_DECRYPTION, PI_WARN,
            "Decryption failed", EXPFILL } },
        { &ei_roborock_no_nonces, { "roborock.no_nonces", PI_UNDECODED, PI_NOTE,
            "L01 frame whose connection's hello exchange is not in the capture: its nonces are unknown",
            EXPFILL } },
        { &ei_roborock_map, { "roborock.map.expert", PI_UNDECODED, PI_WARN, "Map not shown", EXPFILL } },
        { &ei_roborock_internal, { "roborock.internal_error", PI_MALFORMED, PI_ERROR,
            "Roborock dissector internal error (frame not dissected)", EXPFILL } },
        { &ei_roborock_continuation, { "roborock.continuation.expert", PI_SEQUENCE, PI_NOTE,
            "The capture starts inside a frame: the end of a frame that began before the capture",
            EXPFILL } },
        { &ei_roborock_stray, { "roborock.stray.expert", PI_MALFORMED, PI_WARN,
            "Bytes that start no Roborock frame: no version or no fitting length after the length "
            "prefix", EXPFILL } },
    };
    expert_module_t *expert;

    proto_roborock = proto_register_protocol("Roborock", "Roborock", "roborock");
    proto_register_field_array(proto_roborock, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert = expert_register_protocol(proto_roborock);
    expert_register_field_array(expert, ei, array_length(ei));
    roborock_dp_register(proto_roborock);
    roborock_tcp_handle = register_dissector("roborock.tcp", dissect_roborock_tcp, proto_roborock);
    roborock_udp_handle = register_dissector("roborock.discovery", dissect_roborock_udp, proto_roborock);
    roborock_tap = register_tap("roborock");
    roborock_stats_register();
}

void
proto_reg_handoff_roborock(void)
{
    roborock_json_handle = find_dissector_add_dependency("json", proto_roborock);
    dissector_add_uint_with_preference("tcp.port", ROBOROCK_TCP_PORT, roborock_tcp_handle);
    dissector_add_uint_with_preference("udp.port", ROBOROCK_UDP_PORT, roborock_udp_handle);
    heur_dissector_add("mqtt.topic", dissect_roborock_mqtt_heur, "Roborock over MQTT (rr/... topics)",
                       "roborock_mqtt", proto_roborock, HEURISTIC_ENABLE);
}
