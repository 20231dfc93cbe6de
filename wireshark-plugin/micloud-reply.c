/*
 * micloud-reply.c - a Mi cloud response as it read: a login reply's JSON,
 * a reply in clear, decrypted, or decrypted and inflated (the app asks for
 * gzip with `miot-accept-encoding: GZIP`), its JSON dissected; the reasons
 * when there is none. What the body is, is decided in Rust
 * (micloud_dissect); this file draws.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/expert.h>
#include <epan/packet.h>

#include "json-sub.h"
#include "micloud-shim.h"

static int hf_response = -1;
static int hf_reply_status = -1;
static int hf_content_encoding = -1;
static int hf_compression = -1;
static int hf_compressed_size = -1;
static int hf_inflated_size = -1;

static expert_field ei_not_base64 = EI_INIT;
static expert_field ei_not_json = EI_INIT;
static expert_field ei_too_large = EI_INIT;
static expert_field ei_broken = EI_INIT;

static const value_string reply_status_vals[] = {
    { MICLOUD_REPLY_NONE, "Not a reply" },
    { MICLOUD_REPLY_CLEAR, "JSON in clear" },
    { MICLOUD_REPLY_JSON, "Decrypted (RC4): JSON" },
    { MICLOUD_REPLY_INFLATED, "Decrypted (RC4), inflated: JSON" },
    { MICLOUD_REPLY_NOT_JSON, "Decrypted (RC4): neither JSON nor a compressed stream" },
    { MICLOUD_REPLY_TOO_LARGE, "Decrypted (RC4): a compressed stream that inflates past the cap" },
    { MICLOUD_REPLY_BROKEN, "Decrypted (RC4): a compressed stream that does not inflate" },
    { MICLOUD_REPLY_INFLATED_NOT_JSON, "Decrypted (RC4), inflated: not JSON" },
    { MICLOUD_REPLY_NOT_BASE64, "Neither base64 nor JSON" },
    { 0, NULL }
};

static void
add_generated_uint(proto_tree *tree, int hf, tvbuff_t *tvb, uint32_t value)
{
    proto_item_set_generated(proto_tree_add_uint(tree, hf, tvb, 0, 0, value));
}

/* The JSON text as the response field, and its tree; the text's tvb. */
static tvbuff_t *
add_response(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, unsigned offset, unsigned length,
             dissector_handle_t json)
{
    proto_tree_add_item(tree, hf_response, tvb, (int)offset, (int)length, ENC_UTF_8);
    miio_call_json_text(json, tvb, offset, length, pinfo, tree);
    return tvb_new_subset_length(tvb, (int)offset, (int)length);
}

/* The inflated text, as a new data source. */
static tvbuff_t *
inflated_tvb(tvbuff_t *tvb, packet_info *pinfo, const micloud_info *info)
{
    size_t copied = 0;
    uint8_t *text;
    tvbuff_t *itvb;

    if (!info->inflated_length)
        return NULL;
    text = wmem_alloc(pinfo->pool, info->inflated_length);
    if (micloud_inflated_copy(text, info->inflated_length, &copied) != MIIO_OK || !copied)
        return NULL;
    itvb = tvb_new_child_real_data(tvb, text, (unsigned)copied, (int)copied);
    add_new_data_source(pinfo, itvb, "Inflated Mi cloud reply");
    return itvb;
}

tvbuff_t *
micloud_add_reply(proto_tree *tree, proto_item *top, tvbuff_t *tvb, tvbuff_t *ptvb, packet_info *pinfo,
                  const micloud_info *info, dissector_handle_t json, bool *no_key)
{
    tvbuff_t *itvb;
    proto_item *ti;

    *no_key = false;
    if (info->kind == MICLOUD_LOGIN) {
        if (info->has_response && ptvb)
            return add_response(tree, pinfo, ptvb, info->response_offset, info->response_length, json);
        return NULL;
    }
    if (info->content_encoding[0])
        proto_item_set_generated(proto_tree_add_string(tree, hf_content_encoding, tvb, 0, 0, info->content_encoding));
    ti = proto_tree_add_uint(tree, hf_reply_status, tvb, 0, 0, info->reply_status);
    proto_item_set_generated(ti);
    if (info->compression[0]) {
        proto_item_set_generated(proto_tree_add_string(tree, hf_compression, tvb, 0, 0, info->compression));
        add_generated_uint(tree, hf_compressed_size, tvb, info->decrypted_length);
    }
    switch (info->reply_status) {
    case MICLOUD_REPLY_CLEAR:
        return add_response(tree, pinfo, tvb, info->response_offset, info->response_length, json);
    case MICLOUD_REPLY_JSON:
        if (ptvb)
            return add_response(tree, pinfo, ptvb, info->response_offset, info->response_length, json);
        return NULL;
    case MICLOUD_REPLY_INFLATED:
    case MICLOUD_REPLY_INFLATED_NOT_JSON:
        add_generated_uint(tree, hf_inflated_size, tvb, info->inflated_length);
        itvb = inflated_tvb(tvb, pinfo, info);
        if (itvb && info->reply_status == MICLOUD_REPLY_INFLATED)
            return add_response(tree, pinfo, itvb, 0, tvb_captured_length(itvb), json);
        expert_add_info_format(pinfo, ti, &ei_not_json, "Inflated (%s, %u bytes), but not JSON",
                               info->compression, info->inflated_length);
        return NULL;
    case MICLOUD_REPLY_NOT_JSON:
        expert_add_info(pinfo, ti, &ei_not_json);
        return NULL;
    case MICLOUD_REPLY_TOO_LARGE:
        expert_add_info(pinfo, ti, &ei_too_large);
        return NULL;
    case MICLOUD_REPLY_BROKEN:
        expert_add_info(pinfo, ti, &ei_broken);
        return NULL;
    case MICLOUD_REPLY_NOT_BASE64:
        if (info->key_source == MICLOUD_KEY_NONE)
            *no_key = true;
        else
            expert_add_info(pinfo, top, &ei_not_base64);
        return NULL;
    case MICLOUD_REPLY_NONE:
    default:
        return NULL;
    }
}

void
micloud_reply_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_response, { "Response", "micloud.response", FT_STRING, BASE_NONE, NULL, 0x0, "The response's JSON: decrypted (and inflated), or in clear", HFILL } },
        { &hf_reply_status, { "Reply", "micloud.reply.status", FT_UINT8, BASE_DEC, VALS(reply_status_vals), 0x0, "How the reply body read", HFILL } },
        { &hf_content_encoding, { "MIOT-CONTENT-ENCODING", "micloud.content_encoding", FT_STRING, BASE_NONE, NULL, 0x0, "The reply header that announces a compressed plaintext (HTTP/1.x only)", HFILL } },
        { &hf_compression, { "Compression", "micloud.compression", FT_STRING, BASE_NONE, NULL, 0x0, "The decrypted plaintext's stream format", HFILL } },
        { &hf_compressed_size, { "Compressed size", "micloud.compressed_size", FT_UINT32, BASE_DEC, NULL, 0x0, "The decrypted stream, in bytes", HFILL } },
        { &hf_inflated_size, { "Inflated size", "micloud.inflated_size", FT_UINT32, BASE_DEC, NULL, 0x0, "In bytes", HFILL } },
    };
    static ei_register_info ei[] = {
        { &ei_not_base64, { "micloud.wrong_key", PI_DECRYPTION, PI_WARN,
          "The reply is neither base64 RC4 nor JSON", EXPFILL } },
        { &ei_not_json, { "micloud.not_json", PI_MALFORMED, PI_WARN,
          "Decrypted with its request's key, but neither JSON nor a compressed stream", EXPFILL } },
        { &ei_too_large, { "micloud.inflate.too_large", PI_MALFORMED, PI_WARN,
          "The compressed reply inflates past 16 MiB: not inflated further (a decompression bomb?)", EXPFILL } },
        { &ei_broken, { "micloud.inflate.broken", PI_MALFORMED, PI_WARN,
          "The compressed reply does not inflate: the stream is cut or corrupted", EXPFILL } },
    };
    expert_module_t *expert = expert_register_protocol(proto);

    proto_register_field_array(proto, hf, array_length(hf));
    expert_register_field_array(expert, ei, array_length(ei));
}
