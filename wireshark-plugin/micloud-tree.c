/*
 * micloud-tree.c - the Mi cloud API's fields, expert infos and tree: a
 * request's params decrypted (the JSON of `data` dissected), its hashes
 * checked, the key used, the response decrypted, links, and what a reply
 * revealed (tokens, models, bindkeys) put to use for the capture.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/expert.h>
#include <epan/packet.h>

#include "json-sub.h"
#include "micloud-shim.h"
#include "miio-miot.h"

static int hf_path = -1;
static int hf_nonce = -1;
static int hf_mode = -1;
static int hf_param = -1;
static int hf_param_name = -1;
static int hf_param_value = -1;
static int hf_param_encrypted = -1;
static int hf_data = -1;
static int hf_rc4_hash_status = -1;
static int hf_signature_status = -1;
static int hf_key_row = -1;
static int hf_ssecurity_learned_in = -1;
static int hf_key_source = -1;
static int hf_keys_tried = -1;
static int hf_request_in = -1;
static int hf_response_in = -1;
static int hf_time = -1;
static int hf_harvested = -1;
static int hf_harvested_did = -1;
static int hf_harvested_token = -1;
static int hf_harvested_model = -1;
static int hf_harvested_localip = -1;
static int hf_harvested_mac = -1;
static int hf_harvested_bindkey = -1;

static int ett_micloud = -1;
static int ett_param = -1;
static int ett_harvested = -1;

static expert_field ei_no_key = EI_INIT;
static expert_field ei_hash_mismatch = EI_INIT;
static expert_field ei_learned = EI_INIT;
static expert_field ei_harvested = EI_INIT;

static const value_string check_vals[] = {
    { MICLOUD_CHECK_NOT_CHECKED, "Not checked (the request path is not known)" },
    { MICLOUD_CHECK_GOOD, "Good" },
    { MICLOUD_CHECK_BAD, "Bad" },
    { 0, NULL }
};

static const value_string mode_vals[] = {
    { MICLOUD_MODE_NONE, "None" },
    { MICLOUD_MODE_RC4, "RC4 (values encrypted, rc4_hash__)" },
    { MICLOUD_MODE_HMAC, "HMAC-SHA256 signature (values in clear)" },
    { MICLOUD_MODE_CLEAR, "JSON in clear (OAuth: the Xiaomi Home integration)" },
    { 0, NULL }
};

/* Decrypted text as a string item over its bytes in the plaintext tvb. */
static proto_item *
add_text(proto_tree *tree, int hf, tvbuff_t *ptvb, uint32_t offset, uint32_t length)
{
    return proto_tree_add_item(tree, hf, ptvb, (int)offset, (int)length, ENC_UTF_8);
}

static void
add_key(proto_tree *tree, tvbuff_t *tvb, const micloud_info *info)
{
    const char *source = NULL;
    proto_item *ti;

    switch (info->key_source) {
    case MICLOUD_KEY_TABLE_ROW:
        ti = proto_tree_add_uint(tree, hf_key_row, tvb, 0, 0, info->key_ref);
        proto_item_set_generated(ti);
        source = "miio_keys row";
        break;
    case MICLOUD_KEY_LOGIN_REPLY:
        source = "the login reply";
        break;
    case MICLOUD_KEY_REQUEST_FIELD:
        source = "a request's ssecurity field";
        break;
    case MICLOUD_KEY_NONE:
    default:
        return;
    }
    if (info->key_source != MICLOUD_KEY_TABLE_ROW) {
        ti = proto_tree_add_uint(tree, hf_ssecurity_learned_in, tvb, 0, 0, info->key_ref);
        proto_item_set_generated(ti);
    }
    ti = proto_tree_add_string(tree, hf_key_source, tvb, 0, 0, source);
    proto_item_set_generated(ti);
}

static void
add_params(proto_tree *tree, tvbuff_t *tvb, tvbuff_t *ptvb, packet_info *pinfo,
           const micloud_info *info, dissector_handle_t json)
{
    for (uint32_t i = 0; i < info->param_count; i++) {
        const micloud_param *p = &info->params[i];
        proto_item *ti = proto_tree_add_item(tree, hf_param, tvb, (int)p->offset, (int)p->length, ENC_NA);
        proto_tree *pt = proto_item_add_subtree(ti, ett_param);
        proto_item_append_text(ti, ": %s", p->name);
        proto_item_set_generated(proto_tree_add_string(pt, hf_param_name, tvb, (int)p->offset, 0, p->name));
        if (!p->decrypted || !ptvb) {
            proto_tree_add_item(pt, hf_param_value, tvb, (int)p->offset, (int)p->length, ENC_UTF_8);
            continue;
        }
        proto_tree_add_item(pt, hf_param_encrypted, tvb, (int)p->offset, (int)p->length, ENC_UTF_8);
        add_text(pt, hf_param_value, ptvb, p->plain_offset, p->plain_length);
        if (strcmp(p->name, "data") == 0) {
            add_text(pt, hf_data, ptvb, p->plain_offset, p->plain_length);
            miio_call_json_text(json, ptvb, p->plain_offset, p->plain_length, pinfo, pt);
        }
    }
}

static void
add_harvest(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const micloud_info *info,
            proto_item *top)
{
    unsigned tokens = 0, bindkeys = 0;

    for (uint32_t i = 0; i < info->harvest_count; i++) {
        const micloud_harvest *h = &info->harvest[i];
        proto_tree *ht = proto_tree_add_subtree_format(tree, tvb, 0, 0, ett_harvested, NULL,
                                                       "Harvested: device %s", h->did);
        proto_item_set_generated(proto_tree_add_string(ht, hf_harvested_did, tvb, 0, 0, h->did));
        if (h->has_token) {
            proto_item_set_generated(proto_tree_add_bytes_with_length(ht, hf_harvested_token, tvb, 0, 0, h->token, 16));
            tokens++;
        }
        if (h->model[0])
            proto_item_set_generated(proto_tree_add_string(ht, hf_harvested_model, tvb, 0, 0, h->model));
        if (h->localip[0])
            proto_item_set_generated(proto_tree_add_string(ht, hf_harvested_localip, tvb, 0, 0, h->localip));
        if (h->has_mac)
            proto_item_set_generated(proto_tree_add_ether(ht, hf_harvested_mac, tvb, 0, 0, h->mac));
        if (h->bindkey_len) {
            proto_item *ti = proto_tree_add_bytes_with_length(ht, hf_harvested_bindkey, tvb, 0, 0,
                                                              h->bindkey, h->bindkey_len);
            proto_item_set_generated(ti);
            bindkeys++;
        }
    }
    if (tokens || bindkeys)
        expert_add_info_format(pinfo, top, &ei_harvested,
                               "Keys for the capture: %u device token%s, %u bindkey%s (used for "
                               "the local miIO and BLE frames of those devices)",
                               tokens, tokens == 1 ? "" : "s", bindkeys, bindkeys == 1 ? "" : "s");
    (void)hf_harvested;
}

static void
add_links(proto_tree *tree, tvbuff_t *tvb, const micloud_info *info)
{
    proto_item *ti;

    if (info->response_in) {
        ti = proto_tree_add_uint(tree, hf_response_in, tvb, 0, 0, info->response_in);
        proto_item_set_generated(ti);
    }
    if (info->request_in) {
        ti = proto_tree_add_uint(tree, hf_request_in, tvb, 0, 0, info->request_in);
        proto_item_set_generated(ti);
        if (info->has_time) {
            nstime_t t = { (time_t)(info->time_ns / 1000000000), (int)(info->time_ns % 1000000000) };
            ti = proto_tree_add_time(tree, hf_time, tvb, 0, 0, &t);
            proto_item_set_generated(ti);
        }
    }
}

/* The JSON text a request's MIoT entries are in: its decrypted data, or its
 * body in clear. */
static tvbuff_t *
miot_request_text(tvbuff_t *tvb, tvbuff_t *ptvb, const micloud_info *info)
{
    if (info->miot_text == MICLOUD_MIOT_BODY)
        return tvb_new_subset_remaining(tvb, (int)info->miot_text_offset);
    for (uint32_t i = 0; ptvb && info->miot_text == MICLOUD_MIOT_DATA && i < info->param_count; i++) {
        const micloud_param *p = &info->params[i];
        if (p->decrypted && strcmp(p->name, "data") == 0)
            return tvb_new_subset_length(ptvb, (int)p->plain_offset, (int)p->plain_length);
    }
    return NULL;
}

/* The model and the named MIoT entries (the same fields as in miIO frames). */
static void
add_miot(proto_tree *tree, packet_info *pinfo, tvbuff_t *json_tvb, const micloud_info *info)
{
    if (!json_tvb || info->miot.spec_status == MIIO_SPEC_NOT_MIOT)
        return;

    miio_tap_info *tap = miio_tap_new(pinfo);

    miio_miot_add_model(tree, json_tvb, pinfo, &info->miot);
    miio_miot_add_entries(tree, pinfo, json_tvb, &info->miot, tap);
    miio_tap_queue_miot(pinfo, &info->miot, tap);
}

void
micloud_draw(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int proto,
             const micloud_info *info, uint8_t *plain, dissector_handle_t json)
{
    size_t used = 0;
    tvbuff_t *ptvb = NULL;
    proto_item *top, *ti;
    proto_tree *mt;

    for (uint32_t i = 0; i < info->param_count; i++)
        if (info->params[i].decrypted)
            used = MAX(used, (size_t)info->params[i].plain_offset + info->params[i].plain_length);
    if (info->has_response && info->reply_status != MICLOUD_REPLY_CLEAR)
        used = MAX(used, (size_t)info->response_offset + info->response_length);
    if (info->has_decrypted)
        used = MAX(used, (size_t)info->decrypted_offset + info->decrypted_length);
    if (used) {
        ptvb = tvb_new_child_real_data(tvb, plain, (unsigned)used, (int)used);
        add_new_data_source(pinfo, ptvb, "Decrypted Mi cloud");
    }
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "Mi cloud");
    col_add_str(pinfo->cinfo, COL_INFO, info->summary);
    top = proto_tree_add_item(tree, proto, tvb, 0, -1, ENC_NA);
    proto_item_append_text(top, ", %s", info->summary);
    mt = proto_item_add_subtree(top, ett_micloud);
    if (info->path[0])
        proto_item_set_generated(proto_tree_add_string(mt, hf_path, tvb, 0, 0, info->path));
    if (info->kind == MICLOUD_REQUEST && info->mode == MICLOUD_MODE_CLEAR) {
        proto_item_set_generated(proto_tree_add_uint(mt, hf_mode, tvb, 0, 0, info->mode));
        miio_call_json_text(json, tvb, 0, tvb_captured_length(tvb), pinfo, mt);
    } else if (info->kind == MICLOUD_REQUEST) {
        proto_item_set_generated(proto_tree_add_uint(mt, hf_mode, tvb, 0, 0, info->mode));
        proto_item_set_generated(proto_tree_add_string(mt, hf_nonce, tvb, 0, 0, info->nonce));
        add_params(mt, tvb, ptvb, pinfo, info, json);
        if (info->key_source != MICLOUD_KEY_NONE || info->mode == MICLOUD_MODE_HMAC) {
            if (info->mode == MICLOUD_MODE_RC4) {
                ti = proto_tree_add_uint(mt, hf_rc4_hash_status, tvb, 0, 0, info->rc4_hash);
                proto_item_set_generated(ti);
                if (info->rc4_hash == MICLOUD_CHECK_BAD)
                    expert_add_info(pinfo, ti, &ei_hash_mismatch);
            }
            ti = proto_tree_add_uint(mt, hf_signature_status, tvb, 0, 0, info->signature);
            proto_item_set_generated(ti);
            if (info->signature == MICLOUD_CHECK_BAD)
                expert_add_info(pinfo, ti, &ei_hash_mismatch);
        } else {
            expert_add_info(pinfo, top, &ei_no_key);
        }
        if (info->keys_tried)
            proto_item_set_generated(proto_tree_add_uint(mt, hf_keys_tried, tvb, 0, 0, info->keys_tried));
    }
    add_key(mt, tvb, info);
    if (info->kind != MICLOUD_REQUEST) {
        bool no_key;
        tvbuff_t *rtvb = micloud_add_reply(mt, top, tvb, ptvb, pinfo, info, json, &no_key);
        if (no_key)
            expert_add_info(pinfo, top, &ei_no_key);
        if (info->miot_text == MICLOUD_MIOT_RESPONSE)
            add_miot(mt, pinfo, rtvb, info);
    } else {
        add_miot(mt, pinfo, miot_request_text(tvb, ptvb, info), info);
    }
    if (info->kind == MICLOUD_LOGIN && info->key_source != MICLOUD_KEY_NONE)
        expert_add_info(pinfo, top, &ei_learned);
    add_harvest(mt, tvb, pinfo, info, top);
    add_links(mt, tvb, info);
}

void
micloud_register_fields(int proto)
{
    static hf_register_info hf[] = {
        { &hf_path, { "Path", "micloud.path", FT_STRING, BASE_NONE, NULL, 0x0, "The request path (a reply's: its request's)", HFILL } },
        { &hf_nonce, { "Nonce", "micloud.nonce", FT_STRING, BASE_NONE, NULL, 0x0, "_nonce", HFILL } },
        { &hf_mode, { "Mode", "micloud.mode", FT_UINT8, BASE_DEC, VALS(mode_vals), 0x0, NULL, HFILL } },
        { &hf_param, { "Param", "micloud.param", FT_NONE, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_param_name, { "Name", "micloud.param.name", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_param_value, { "Value", "micloud.param.value", FT_STRING, BASE_NONE, NULL, 0x0, "The value, decrypted", HFILL } },
        { &hf_param_encrypted, { "Encrypted value", "micloud.param.encrypted", FT_STRING, BASE_NONE, NULL, 0x0, "As sent: base64 RC4", HFILL } },
        { &hf_data, { "Data", "micloud.data", FT_STRING, BASE_NONE, NULL, 0x0, "The decrypted data param", HFILL } },
        { &hf_rc4_hash_status, { "rc4_hash__ status", "micloud.rc4_hash.status", FT_UINT8, BASE_DEC, VALS(check_vals), 0x0, NULL, HFILL } },
        { &hf_signature_status, { "Signature status", "micloud.signature.status", FT_UINT8, BASE_DEC, VALS(check_vals), 0x0, NULL, HFILL } },
        { &hf_key_row, { "Key row", "micloud.key_row", FT_UINT32, BASE_DEC, NULL, 0x0, "The miio_keys row (type ssecurity) used", HFILL } },
        { &hf_ssecurity_learned_in, { "ssecurity learned in", "micloud.ssecurity.learned_in", FT_FRAMENUM, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_key_source, { "Key", "micloud.key_source", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_keys_tried, { "Keys tried", "micloud.keys_tried", FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_request_in, { "Request In", "micloud.request_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, NULL, HFILL } },
        { &hf_response_in, { "Response In", "micloud.response_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, NULL, HFILL } },
        { &hf_time, { "Time", "micloud.time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0, "Since the request", HFILL } },
        { &hf_harvested, { "Harvested", "micloud.harvested", FT_NONE, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_harvested_did, { "Device id", "micloud.harvested.did", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_harvested_token, { "Token", "micloud.harvested.token", FT_BYTES, BASE_NONE, NULL, 0x0, "Now a key of the capture for this device", HFILL } },
        { &hf_harvested_model, { "Model", "micloud.harvested.model", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_harvested_localip, { "Local IP", "micloud.harvested.localip", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_harvested_mac, { "MAC", "micloud.harvested.mac", FT_ETHER, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_harvested_bindkey, { "Bindkey", "micloud.harvested.bindkey", FT_BYTES, BASE_NONE, NULL, 0x0, "A MiBeacon bindkey, now a key of the capture", HFILL } },
    };
    static int *ett[] = { &ett_micloud, &ett_param, &ett_harvested };
    static ei_register_info ei[] = {
        { &ei_no_key, { "micloud.no_key", PI_DECRYPTION, PI_NOTE,
          "Encrypted; no ssecurity decrypts it: add a miio_keys row of type ssecurity, or capture the login", EXPFILL } },
        { &ei_hash_mismatch, { "micloud.hash_mismatch", PI_CHECKSUM, PI_WARN,
          "The hash does not match the request: altered, or not the path it was signed for", EXPFILL } },
        { &ei_learned, { "micloud.ssecurity.learned", PI_DECRYPTION, PI_NOTE,
          "The login reply's ssecurity: now a key of the capture", EXPFILL } },
        { &ei_harvested, { "micloud.harvested.expert", PI_DECRYPTION, PI_NOTE,
          "Keys for the capture", EXPFILL } },
    };
    expert_module_t *expert;

    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert = expert_register_protocol(proto);
    expert_register_field_array(expert, ei, array_length(ei));
    micloud_reply_register(proto);
}
