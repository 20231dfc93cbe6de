/*
 * packet-mibeacon.c - Xiaomi MiBeacon: BLE advertisements of Xiaomi's
 * sensors, locks and buttons (service data 0xFE95, manufacturer data
 * 0x038F), decrypted with the bindkeys of the miio_keys table.
 *
 * Parsing, decryption, key choice and the words shown come from the Rust
 * core (mibeacon_dissect); this file only draws.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/tap.h>

#include "mibeacon-shim.h"

static int proto_mibeacon = -1;

static int hf_control = -1;
static int hf_control_timing = -1;
static int hf_encrypted = -1;
static int hf_control_mac = -1;
static int hf_control_capability = -1;
static int hf_control_object = -1;
static int hf_control_mesh = -1;
static int hf_control_registered = -1;
static int hf_control_solicited = -1;
static int hf_control_auth = -1;
static int hf_version = -1;
static int hf_product_id = -1;
static int hf_product = -1;
static int hf_counter = -1;
static int hf_mac = -1;
static int hf_sender = -1;
static int hf_capability = -1;
static int hf_io_capability = -1;
static int hf_ciphertext = -1;
static int hf_ext_counter = -1;
static int hf_mic = -1;
static int hf_mic_status = -1;
static int hf_key_row = -1;
static int hf_key_file_line = -1;
static int hf_keys_tried = -1;
static int hf_key_learned_in = -1;
static int hf_decrypted = -1;
static int hf_object = -1;
static int hf_object_id = -1;
static int hf_object_name = -1;
static int hf_object_length = -1;
static int hf_object_value = -1;
static int hf_object_data = -1;
static int hf_rest = -1;

/* mibeacon.<key>, one a quantity of the Rust table. */
static int *hf_quantity;
static mibeacon_quantity *quantities;
static size_t quantity_count;

static int ett_mibeacon = -1;
static int ett_control = -1;
static int ett_object = -1;
static int ett_crypto = -1;

static expert_field ei_truncated = EI_INIT;
static expert_field ei_wrong_key = EI_INIT;
static expert_field ei_no_key = EI_INIT;
static expert_field ei_no_address = EI_INIT;
static expert_field ei_unchecked = EI_INIT;
static expert_field ei_rest = EI_INIT;
static expert_field ei_cut = EI_INIT;

static const value_string mic_status_vals[] = {
    { MIBEACON_MIC_CLEAR, "Not encrypted" },
    { MIBEACON_MIC_GOOD, "Good (decrypted, MIC verified)" },
    { MIBEACON_MIC_BAD, "Bad (the advertiser's bindkey does not decrypt)" },
    { MIBEACON_MIC_UNCHECKED, "Not checked (v2/v3 frames carry no MIC)" },
    { MIBEACON_MIC_NO_KEY, "No bindkey" },
    { MIBEACON_MIC_NO_MATCH, "No bindkey fits" },
    { MIBEACON_MIC_WRONG_KIND, "Bindkey of the wrong length" },
    { MIBEACON_MIC_NO_ADDRESS, "Advertiser address unknown" },
    { 0, NULL }
};

static int * const control_bits[] = {
    &hf_control_timing, &hf_encrypted, &hf_control_mac, &hf_control_capability,
    &hf_control_object, &hf_control_mesh, &hf_control_registered, &hf_control_solicited,
    &hf_control_auth, &hf_version, NULL
};

static void
add_reading(proto_tree *tree, tvbuff_t *tvb, const mibeacon_object *o, const mibeacon_reading *r)
{
    const mibeacon_quantity *q;
    int hf;

    if (r->quantity >= quantity_count)
        return;
    q = &quantities[r->quantity];
    hf = hf_quantity[r->quantity];
    switch (q->kind) {
    case MIBEACON_KIND_FLOAT:
        proto_tree_add_double_format_value(tree, hf, tvb, o->offset, o->len, r->number,
                                           "%g%s%s", r->number, q->unit[0] ? " " : "", q->unit);
        break;
    case MIBEACON_KIND_UINT:
        proto_tree_add_uint_format_value(tree, hf, tvb, o->offset, o->len, r->uint, "%u%s%s",
                                         r->uint, q->unit[0] ? " " : "", q->unit);
        break;
    case MIBEACON_KIND_BOOL:
        proto_tree_add_boolean(tree, hf, tvb, o->offset, o->len, r->uint);
        break;
    case MIBEACON_KIND_TEXT:
        proto_tree_add_string(tree, hf, tvb, o->offset, o->len, r->text);
        break;
    }
}

/* The objects, each with its readings, in the frame or the decrypted data. */
static void
add_objects(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, const mibeacon_info *info)
{
    for (uint32_t i = 0; i < info->object_count; i++) {
        const mibeacon_object *o = &info->objects[i];
        int head = (int)o->offset - 3;
        proto_item *ti = proto_tree_add_item(tree, hf_object, tvb, head, (int)o->len + 3, ENC_NA);
        proto_tree *ot = proto_item_add_subtree(ti, ett_object);
        proto_item_append_text(ti, ": %s (0x%04x)%s%s", o->name[0] ? o->name : "unknown",
                               o->id, o->value[0] ? ": " : "", o->value);
        proto_tree_add_item(ot, hf_object_id, tvb, head, 2, ENC_LITTLE_ENDIAN);
        if (o->name[0])
            proto_item_set_generated(proto_tree_add_string(ot, hf_object_name, tvb, head, 2, o->name));
        proto_tree_add_item(ot, hf_object_length, tvb, head + 2, 1, ENC_NA);
        proto_tree_add_item(ot, hf_object_data, tvb, o->offset, o->len, ENC_NA);
        if (o->value[0])
            proto_item_set_generated(
                proto_tree_add_string(ot, hf_object_value, tvb, o->offset, o->len, o->value));
        for (uint32_t k = 0; k < info->reading_count; k++)
            if (info->readings[k].object == i)
                add_reading(ot, tvb, o, &info->readings[k]);
    }
    if (info->has_rest)
        expert_add_info(pinfo, proto_tree_add_item(tree, hf_rest, tvb, info->rest_offset,
                                                   info->rest_len, ENC_NA), &ei_rest);
    if (info->objects_cut)
        expert_add_info(pinfo, proto_tree_get_parent(tree), &ei_cut);
}

static void
add_crypto(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, const mibeacon_info *info,
           proto_item *top)
{
    proto_item *status;

    proto_tree_add_item(tree, hf_ciphertext, tvb, info->body_offset, info->body_len, ENC_NA);
    if (info->has_ext_counter)
        proto_tree_add_item(tree, hf_ext_counter, tvb, info->ext_counter_offset, 3,
                            ENC_LITTLE_ENDIAN);
    if (info->has_mic)
        proto_tree_add_item(tree, hf_mic, tvb, info->mic_offset, 4, ENC_NA);
    status = proto_tree_add_uint(tree, hf_mic_status, tvb, 0, 0, info->mic_status);
    proto_item_set_generated(status);
    if (info->key_origin == MIBEACON_KEY_TABLE_ROW)
        proto_item_set_generated(proto_tree_add_uint(tree, hf_key_row, tvb, 0, 0, info->key_row));
    else if (info->key_origin == MIBEACON_KEY_FILE_LINE)
        proto_item_set_generated(
            proto_tree_add_uint(tree, hf_key_file_line, tvb, 0, 0, info->key_row));
    else if (info->key_origin == MIBEACON_KEY_LEARNED)
        proto_item_set_generated(
            proto_tree_add_uint(tree, hf_key_learned_in, tvb, 0, 0, info->key_row));
    if (info->keys_tried)
        proto_item_set_generated(
            proto_tree_add_uint(tree, hf_keys_tried, tvb, 0, 0, info->keys_tried));
    switch (info->mic_status) {
    case MIBEACON_MIC_BAD:
    case MIBEACON_MIC_WRONG_KIND:
        expert_add_info_format(pinfo, status, &ei_wrong_key, "%s", info->key_note);
        break;
    case MIBEACON_MIC_NO_KEY:
    case MIBEACON_MIC_NO_MATCH:
        expert_add_info_format(pinfo, top, &ei_no_key, "%s", info->key_note);
        break;
    case MIBEACON_MIC_NO_ADDRESS:
        expert_add_info_format(pinfo, top, &ei_no_address, "%s", info->key_note);
        break;
    case MIBEACON_MIC_UNCHECKED:
        expert_add_info(pinfo, status, &ei_unchecked);
        break;
    default:
        break;
    }
}

static void
queue_tap(packet_info *pinfo, const mibeacon_info *info)
{
    mibeacon_tap_info *t;

    if (!have_tap_listener(mibeacon_tap_id()) || !info->parsed)
        return;
    t = wmem_new0(pinfo->pool, mibeacon_tap_info);
    if (info->has_sender)
        t->sender = wmem_strdup_printf(pinfo->pool, "%02X:%02X:%02X:%02X:%02X:%02X",
                                       info->sender[0], info->sender[1], info->sender[2],
                                       info->sender[3], info->sender[4], info->sender[5]);
    t->product = info->product_model[0] ? wmem_strdup(pinfo->pool, info->product_model)
                                        : wmem_strdup_printf(pinfo->pool, "0x%04X", info->product_id);
    t->mic_status = info->mic_status;
    t->readings = wmem_alloc0_array(pinfo->pool, const char *, info->reading_count + 1);
    for (uint32_t k = 0; k < info->reading_count; k++)
        if (info->readings[k].quantity < quantity_count)
            t->readings[t->reading_count++] = quantities[info->readings[k].quantity].key;
    tap_queue_packet(mibeacon_tap_id(), pinfo, t);
}

int
mibeacon_dissect_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                       const mibeacon_context *ctx)
{
    unsigned len = tvb_captured_length(tvb);
    uint8_t *plain = wmem_alloc(pinfo->pool, MIBEACON_PLAINTEXT_CAP);
    mibeacon_info *info = wmem_new(pinfo->pool, mibeacon_info);
    proto_item *top, *ti;
    proto_tree *mt, *ct;

    if (mibeacon_dissect(tvb_get_ptr(tvb, 0, len), len, ctx, plain, MIBEACON_PLAINTEXT_CAP,
                         info) != MIIO_OK)
        return 0;
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "MiBeacon");
    col_add_str(pinfo->cinfo, COL_INFO, info->summary);
    top = proto_tree_add_item(tree, proto_mibeacon, tvb, 0, -1, ENC_NA);
    proto_item_append_text(top, ", %s", info->summary);
    mt = proto_item_add_subtree(top, ett_mibeacon);
    if (!info->parsed) {
        expert_add_info(pinfo, top, &ei_truncated);
        return len;
    }
    proto_tree_add_bitmask(mt, tvb, 0, hf_control, ett_control, control_bits, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(mt, hf_product_id, tvb, 2, 2, ENC_LITTLE_ENDIAN);
    if (info->product_model[0])
        proto_item_set_generated(proto_tree_add_string_format_value(mt, hf_product, tvb, 2, 2,
            info->product_model, "%s (%s)", info->product_model, info->product_name));
    proto_tree_add_item(mt, hf_counter, tvb, 4, 1, ENC_NA);
    if (info->has_mac)
        proto_tree_add_ether(mt, hf_mac, tvb, 5, 6, info->mac);
    if (info->has_sender) {
        ti = proto_tree_add_ether(mt, hf_sender, tvb, info->has_mac ? 5 : 0, info->has_mac ? 6 : 0,
                                  info->sender);
        proto_item_set_generated(ti);
    }
    if (info->has_capability) {
        int at = info->has_mac ? 11 : 5;
        proto_tree_add_item(mt, hf_capability, tvb, at, 1, ENC_NA);
        if (info->has_io_capability)
            proto_tree_add_item(mt, hf_io_capability, tvb, at + 1, 1, ENC_NA);
    }
    if (info->mic_status == MIBEACON_MIC_CLEAR) {
        add_objects(mt, pinfo, tvb, info);
    } else {
        ct = proto_tree_add_subtree(mt, tvb, info->body_offset, len - info->body_offset,
                                    ett_crypto, NULL, "Encryption");
        add_crypto(ct, pinfo, tvb, info, top);
        if (info->plaintext_len) {
            tvbuff_t *ptvb = tvb_new_child_real_data(tvb, plain, info->plaintext_len,
                                                     info->plaintext_len);
            add_new_data_source(pinfo, ptvb, "Decrypted MiBeacon");
            proto_tree_add_item(mt, hf_decrypted, ptvb, 0, -1, ENC_NA);
            add_objects(mt, pinfo, ptvb, info);
        }
    }
    queue_tap(pinfo, info);
    return len;
}

/* mibeacon.<key> for each quantity of the Rust table. */
static void
register_quantity_fields(void)
{
    hf_register_info *hf;
    mibeacon_quantity q;

    while (mibeacon_quantity_get(quantity_count, &q) == MIIO_OK)
        quantity_count++;
    quantities = g_new0(mibeacon_quantity, quantity_count);
    hf_quantity = g_new(int, quantity_count);
    hf = g_new0(hf_register_info, quantity_count);
    for (size_t i = 0; i < quantity_count; i++) {
        mibeacon_quantity_get(i, &quantities[i]);
        hf_quantity[i] = -1;
        hf[i].p_id = &hf_quantity[i];
        hf[i].hfinfo.name = g_strdup(quantities[i].name);
        hf[i].hfinfo.abbrev = g_strdup_printf("mibeacon.%s", quantities[i].key);
        switch (quantities[i].kind) {
        case MIBEACON_KIND_FLOAT: hf[i].hfinfo.type = FT_DOUBLE; hf[i].hfinfo.display = BASE_NONE; break;
        case MIBEACON_KIND_UINT: hf[i].hfinfo.type = FT_UINT32; hf[i].hfinfo.display = BASE_DEC; break;
        case MIBEACON_KIND_BOOL: hf[i].hfinfo.type = FT_BOOLEAN; hf[i].hfinfo.display = BASE_NONE; break;
        case MIBEACON_KIND_TEXT: hf[i].hfinfo.type = FT_STRING; hf[i].hfinfo.display = BASE_NONE; break;
        }
        hf[i].hfinfo.blurb = quantities[i].unit[0]
            ? g_strdup_printf("%s, in %s", quantities[i].name, quantities[i].unit) : NULL;
        HFILL_INIT(hf[i]);
    }
    proto_register_field_array(proto_mibeacon, hf, (int)quantity_count);
}

void
proto_register_mibeacon(void)
{
    static hf_register_info hf[] = {
        { &hf_control, { "Frame control", "mibeacon.frame_control", FT_UINT16, BASE_HEX, NULL, 0x0, NULL, HFILL } },
        { &hf_control_timing, { "Request timing", "mibeacon.frame_control.request_timing", FT_BOOLEAN, 16, NULL, 0x0001, NULL, HFILL } },
        { &hf_encrypted, { "Encrypted", "mibeacon.encrypted", FT_BOOLEAN, 16, NULL, 0x0008, NULL, HFILL } },
        { &hf_control_mac, { "MAC included", "mibeacon.frame_control.mac_included", FT_BOOLEAN, 16, NULL, 0x0010, NULL, HFILL } },
        { &hf_control_capability, { "Capability included", "mibeacon.frame_control.capability_included", FT_BOOLEAN, 16, NULL, 0x0020, NULL, HFILL } },
        { &hf_control_object, { "Object included", "mibeacon.frame_control.object_included", FT_BOOLEAN, 16, NULL, 0x0040, NULL, HFILL } },
        { &hf_control_mesh, { "Mesh", "mibeacon.frame_control.mesh", FT_BOOLEAN, 16, NULL, 0x0080, NULL, HFILL } },
        { &hf_control_registered, { "Registered", "mibeacon.frame_control.registered", FT_BOOLEAN, 16, NULL, 0x0100, "Bound to a Mi account", HFILL } },
        { &hf_control_solicited, { "Solicited", "mibeacon.frame_control.solicited", FT_BOOLEAN, 16, NULL, 0x0200, NULL, HFILL } },
        { &hf_control_auth, { "Authentication mode", "mibeacon.frame_control.auth_mode", FT_UINT16, BASE_DEC, NULL, 0x0C00, NULL, HFILL } },
        { &hf_version, { "Version", "mibeacon.version", FT_UINT16, BASE_DEC, NULL, 0xF000, NULL, HFILL } },
        { &hf_product_id, { "Product id", "mibeacon.product_id", FT_UINT16, BASE_HEX, NULL, 0x0, NULL, HFILL } },
        { &hf_product, { "Product", "mibeacon.product", FT_STRING, BASE_NONE, NULL, 0x0, "The product id's model (xiaomi-ble's device list)", HFILL } },
        { &hf_counter, { "Frame counter", "mibeacon.counter", FT_UINT8, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_mac, { "MAC", "mibeacon.mac", FT_ETHER, BASE_NONE, NULL, 0x0, "The MAC the frame carries (sent reversed)", HFILL } },
        { &hf_sender, { "Advertiser", "mibeacon.sender", FT_ETHER, BASE_NONE, NULL, 0x0, "The frame's MAC, else the capture's advertiser address: the device_id of its bindkey row", HFILL } },
        { &hf_capability, { "Capability", "mibeacon.capability", FT_UINT8, BASE_HEX, NULL, 0x0, NULL, HFILL } },
        { &hf_io_capability, { "IO capability", "mibeacon.io_capability", FT_UINT8, BASE_HEX, NULL, 0x0, NULL, HFILL } },
        { &hf_ciphertext, { "Encrypted objects", "mibeacon.ciphertext", FT_BYTES, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_ext_counter, { "Extended counter", "mibeacon.ext_counter", FT_UINT24, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_mic, { "MIC", "mibeacon.mic", FT_BYTES, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_mic_status, { "MIC status", "mibeacon.mic.status", FT_UINT8, BASE_DEC, VALS(mic_status_vals), 0x0, NULL, HFILL } },
        { &hf_key_row, { "Bindkey row", "mibeacon.key_row", FT_UINT32, BASE_DEC, NULL, 0x0, "Row of the miio_keys table whose bindkey was used", HFILL } },
        { &hf_key_file_line, { "Bindkey key-file line", "mibeacon.key_file_line", FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_key_learned_in, { "Bindkey learned in", "mibeacon.key_learned_in", FT_FRAMENUM, BASE_NONE, NULL, 0x0, "The Mi cloud blt_get_beaconkey reply that gave the bindkey", HFILL } },
        { &hf_keys_tried, { "Bindkeys tried", "mibeacon.keys_tried", FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_decrypted, { "Decrypted objects", "mibeacon.decrypted", FT_BYTES, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_object, { "Object", "mibeacon.object", FT_NONE, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_object_id, { "Object id", "mibeacon.object.id", FT_UINT16, BASE_HEX, NULL, 0x0, NULL, HFILL } },
        { &hf_object_name, { "Object name", "mibeacon.object.name", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_object_length, { "Object length", "mibeacon.object.length", FT_UINT8, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_object_value, { "Object value", "mibeacon.object.value", FT_STRING, BASE_NONE, NULL, 0x0, "What the object says, in words", HFILL } },
        { &hf_object_data, { "Object data", "mibeacon.object.data", FT_BYTES, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_rest, { "Bytes forming no object", "mibeacon.rest", FT_BYTES, BASE_NONE, NULL, 0x0, NULL, HFILL } },
    };
    static int *ett[] = { &ett_mibeacon, &ett_control, &ett_object, &ett_crypto };
    static ei_register_info ei[] = {
        { &ei_truncated, { "mibeacon.truncated", PI_MALFORMED, PI_ERROR,
          "Fewer bytes than the frame control announces", EXPFILL } },
        { &ei_wrong_key, { "mibeacon.key.wrong", PI_DECRYPTION, PI_WARN,
          "The advertiser's bindkey does not decrypt this frame", EXPFILL } },
        { &ei_no_key, { "mibeacon.key.missing", PI_DECRYPTION, PI_NOTE,
          "Encrypted; no bindkey for this advertiser", EXPFILL } },
        { &ei_no_address, { "mibeacon.no_address", PI_DECRYPTION, PI_NOTE,
          "Encrypted; the advertiser's address is not known", EXPFILL } },
        { &ei_unchecked, { "mibeacon.mic.unchecked", PI_DECRYPTION, PI_NOTE,
          "Decrypted with the advertiser's v2/v3 bindkey; these frames carry no MIC to prove it", EXPFILL } },
        { &ei_rest, { "mibeacon.objects.rest", PI_MALFORMED, PI_WARN,
          "Bytes after the last whole object", EXPFILL } },
        { &ei_cut, { "mibeacon.objects.cut", PI_UNDECODED, PI_NOTE,
          "More objects than are shown", EXPFILL } },
    };
    expert_module_t *expert;

    proto_mibeacon = proto_register_protocol("Xiaomi MiBeacon", "MiBeacon", "mibeacon");
    proto_register_field_array(proto_mibeacon, hf, array_length(hf));
    register_quantity_fields();
    proto_register_subtree_array(ett, array_length(ett));
    expert = expert_register_protocol(proto_mibeacon);
    expert_register_field_array(expert, ei, array_length(ei));
    mibeacon_hook_register(proto_mibeacon);
    mibeacon_stats_register();
}

void
proto_reg_handoff_mibeacon(void)
{
    mibeacon_hook_handoff();
}
