/*
 * packet-miio.c - Xiaomi miIO dissector: registration, preferences, the
 * entry points (UDP, TCP, heuristics) and one frame's way through the Rust
 * core.
 *
 * Parsing, checksum verification, decryption, reading the JSON and the
 * links between frames happen in Rust behind include/miio_dissector.h;
 * miio-tree.c draws the result, miio-fields.c registers what it draws.
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

#include "miio-fields.h"
#include "miio-miot.h"
#include "miio-tree.h"
#include "tcp-stream.h"

#define MIIO_UDP_PORTS "54321,8053"
#define MIIO_TCP_PORTS "8053"

/* Preference: the folder of MIoT spec files ("" = python-miio's cache). */
static const char *miio_miot_spec_dir = "";

static dissector_handle_t miio_handle;
static dissector_handle_t miio_tcp_handle;
static dissector_handle_t miio_port80_handle;
static int proto_port80 = -1;
static dissector_handle_t port80_previous; /* HTTP's, when the plugin took port 80 over */

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
    miio_frame_context ctx = miio_frame_context_of(pinfo, transport, pdu_index);
    miio_frame_info info;
    proto_item *miio_item;
    proto_tree *miio_tree;

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "miIO");
    if (pdu_index > 0
            || (transport == MIIO_TRANSPORT_CLOUD && miio_stream_skipped_before(pinfo, proto_miio))) {
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

    miio_tree_frame(tvb, pinfo, miio_item, tree, miio_tree, plaintext, &info);
    return captured;
}

static int
dissect_miio(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    miio_claim_device_endpoint(pinfo, miio_handle);
    return dissect_miio_frame(tvb, pinfo, tree, miio_udp_transport(pinfo));
}

/* TCP to the cloud: frames back to back, split anywhere. */
static void
dissect_miio_tcp_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    dissect_miio_frame(tvb, pinfo, tree, MIIO_TRANSPORT_CLOUD);
}

/* Data that is not a miIO frame: the end of a frame that began before the
 * capture, or other data on the connection. */
static void
dissect_miio_tcp_skip(tvbuff_t *tvb, int offset, int length, bool continuation, packet_info *pinfo,
                      proto_tree *tree)
{
    proto_item *ti = proto_tree_add_item(tree, proto_miio, tvb, offset, length, ENC_NA);
    proto_tree *subtree = proto_item_add_subtree(ti, ett_miio);

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "miIO");
    if (continuation) {
        ti = proto_tree_add_item(subtree, hf_miio_continuation, tvb, offset, length, ENC_NA);
        expert_add_info(pinfo, ti, &ei_miio_continuation);
        col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ",
                            "Continuation of a frame that began before the capture, %d bytes", length);
    } else {
        ti = proto_tree_add_item(subtree, hf_miio_stream_data, tvb, offset, length, ENC_NA);
        expert_add_info(pinfo, ti, &ei_miio_stream_data);
        col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ",
                            "Data on the cloud connection (not miIO), %d bytes", length);
    }
}

static void
dissect_miio_tcp_map_blob(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree)
{
    int length = (int)tvb_captured_length_remaining(tvb, offset);
    proto_item *ti = proto_tree_add_item(tree, proto_miio, tvb, offset, length, ENC_NA);

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "miIO");
    ti = proto_tree_add_item(proto_item_add_subtree(ti, ett_miio), hf_miio_map_blob, tvb, offset, length,
                             ENC_NA);
    expert_add_info(pinfo, ti, &ei_miio_map_blob);
    col_append_sep_fstr(pinfo->cinfo, COL_INFO, " | ", "Roborock map upload (not miIO), %d bytes", length);
}

static const miio_stream_handlers miio_stream = {
    MIIO_STREAM_MIIO, dissect_miio_tcp_frame, dissect_miio_tcp_skip, dissect_miio_tcp_map_blob
};

static int
dissect_miio_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    return miio_stream_dissect(tvb, pinfo, tree, proto_miio, &miio_stream);
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

/* TCP port 80, taken over from HTTP: a Mi cloud link (miIO from the first
 * segment that holds a whole header, wherever the capture started) is miIO
 * from there on, both directions; everything else goes to the dissector that
 * had the port (HTTP), untouched. Which is which is decided in Rust. */
static int
dissect_miio_port80(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    conversation_t *conv = find_or_create_conversation(pinfo);
    unsigned captured = tvb_captured_length(tvb);
    uint8_t claims = 0;

    if (conv && captured &&
        miio_port80_claims(conv->conv_index, tvb_get_ptr(tvb, 0, captured), captured, &claims) == MIIO_OK &&
        claims) {
        conversation_set_dissector(conv, miio_tcp_handle);
        return dissect_miio_tcp(tvb, pinfo, tree, data);
    }
    if (port80_previous)
        return call_dissector_with_data(port80_previous, tvb, pinfo, tree, data);
    return call_data_dissector(tvb, pinfo, tree);
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
    miio_miot_spec_folder_use(miio_miot_spec_dir ? miio_miot_spec_dir : "");
}

void
proto_register_miio(void)
{
    module_t *miio_module;

    proto_miio = proto_register_protocol("Xiaomi miIO", "miIO", "miio");
    miio_fields_register(proto_miio);
    miio_miot_register(proto_miio);
    miio_mdns_register(proto_miio);
    miio_ha_register(proto_miio);

    miio_handle = register_dissector("miio", dissect_miio, proto_miio);
    miio_tcp_handle = register_dissector("miio.tcp", dissect_miio_tcp, proto_miio);
    /* A protocol of its own: a dissector table holds one handle a protocol. */
    proto_port80 = proto_register_protocol_in_name_only("miIO cloud link on TCP port 80 (else HTTP)",
                                                        "miIO port 80", "miio_port80", proto_miio,
                                                        FT_PROTOCOL);
    miio_port80_handle = create_dissector_handle(dissect_miio_port80, proto_port80);
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
    prefs_register_directory_preference(miio_module, "miot_spec_dir", "MIoT spec folder",
        "A folder of MIoT spec files (miot-spec.org instances), to name the properties, actions "
        "and events of get_properties, set_properties, action, properties_changed and "
        "event_occured: <model>.json (python-miio's cache, plain files), or the spec a model "
        "index names (python-miio's model-to-urn.json, Home Assistant's "
        ".storage/xiaomi_miot/instances.json). Empty: python-miio's cache folder "
        "(~/.cache/python-miio) when it exists. A device's model comes from miIO.info or "
        "_otc.info in the capture, a key file line \"model DEVICE_ID MODEL\", or "
        "\"model=MODEL\" in the comment of its miio_keys row.",
        &miio_miot_spec_dir);
    miio_stats_register();
}

void
proto_reg_handoff_miio(void)
{
    json_handle = find_dissector_add_dependency("json", proto_miio);
    proto_json = proto_get_id_by_filter_name("json");
    dissector_add_uint_range_with_preference("udp.port", MIIO_UDP_PORTS, miio_handle);
    dissector_add_uint_range_with_preference("tcp.port", MIIO_TCP_PORTS, miio_tcp_handle);
    port80_previous = dissector_get_uint_handle(find_dissector_table("tcp.port"), 80);
    dissector_add_uint("tcp.port", 80, miio_port80_handle);
    miio_mdns_handoff();
    heur_dissector_add("udp", dissect_miio_heur, "miIO over UDP", "miio_udp", proto_miio,
                       HEURISTIC_ENABLE);
    heur_dissector_add("tcp", dissect_miio_tcp_heur, "miIO over TCP (device to Mi cloud)", "miio_tcp",
                       proto_miio, HEURISTIC_ENABLE);
}
