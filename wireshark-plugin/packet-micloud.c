/*
 * packet-micloud.c - the Mi Home cloud API (https://<cc>.api.io.mi.com/app/...)
 * once TLS is decrypted: requests whose form values are RC4 ciphertext,
 * base64 RC4 replies, login replies that reveal the key (ssecurity).
 *
 * HTTP (1.1 and 2) hands a body to the media_type table by its Content-Type.
 * The plugin takes over the form and reply types it needs and hands every
 * body that is not Mi cloud traffic to the dissector that had the type
 * before (urlencoded-form, json, ...). Parsing, decryption, key choice and
 * what a reply reveals live in Rust (micloud_dissect); this file draws.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/packet.h>

#include "micloud-shim.h"
#include "miio_dissector.h"
#include "ws-compat.h"

/* The media types taken over: requests, then replies (Xiaomi's servers
 * label base64 RC4 replies and login replies in several ways). */
static const char *const media_types[] = {
    "application/x-www-form-urlencoded",
    "application/json",
    "text/plain",
    "text/html",
    "application/octet-stream",
};
#define MEDIA_TYPE_COUNT (sizeof media_types / sizeof media_types[0])

static int proto_micloud = -1;
static dissector_handle_t micloud_handle;
static dissector_handle_t previous[MEDIA_TYPE_COUNT];
static dissector_handle_t json_handle;

/* How much of the message start is handed over: the request line and the
 * headers read (Host, MIOT-CONTENT-ENCODING). */
#define HEAD_CAP 4096

static const char *
media_type_of(packet_info *pinfo)
{
    return pinfo->match_string;
}

/* The dissector that had this media type before the plugin. */
static dissector_handle_t
previous_for(const char *type)
{
    for (size_t i = 0; type && i < MEDIA_TYPE_COUNT; i++)
        if (g_ascii_strcasecmp(type, media_types[i]) == 0)
            return previous[i];
    return NULL;
}

static int
hand_on(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    dissector_handle_t h = previous_for(media_type_of(pinfo));
    if (h)
        return call_dissector_with_data(h, tvb, pinfo, tree, data);
    return call_data_dissector(tvb, pinfo, tree);
}

static int
dissect_micloud(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    unsigned len = tvb_captured_length(tvb);
    tvbuff_t *ds = tvb_get_ds_tvb(tvb);
    unsigned head_len = MIN(tvb_captured_length(ds), HEAD_CAP);
    uint8_t *plain = wmem_alloc(pinfo->pool, len + 1);
    micloud_info *info = wmem_new(pinfo->pool, micloud_info);
    conversation_t *conv = find_or_create_conversation(pinfo);
    micloud_context ctx = {
        .frame_number = pinfo->num,
        .direction = MIIO_MEDIA_IS_REQUEST(data)    ? MICLOUD_DIRECTION_REQUEST
                     : MIIO_MEDIA_IS_RESPONSE(data) ? MICLOUD_DIRECTION_RESPONSE
                                                    : MICLOUD_DIRECTION_UNKNOWN,
        .visited = PINFO_FD_VISITED(pinfo),
        .connection = conv ? conv->conv_index : 0,
        .time_sec = pinfo->abs_ts.secs,
        .time_nsec = pinfo->abs_ts.nsecs,
    };

    if (micloud_dissect(tvb_get_ptr(ds, 0, head_len), head_len, tvb_get_ptr(tvb, 0, len), len, &ctx,
                        plain, len + 1, info) != MIIO_OK ||
        info->kind == MICLOUD_OTHER)
        return hand_on(tvb, pinfo, tree, data);
    micloud_draw(tvb, pinfo, tree, proto_micloud, info, plain, json_handle);
    return len;
}

void
proto_register_micloud(void)
{
    proto_micloud = proto_register_protocol("Xiaomi Mi Cloud API", "Mi cloud", "micloud");
    micloud_register_fields(proto_micloud);
    micloud_handle = register_dissector("micloud", dissect_micloud, proto_micloud);
    micloud_push_register(proto_micloud);
}

void
proto_reg_handoff_micloud(void)
{
    dissector_table_t table = find_dissector_table("media_type");

    json_handle = find_dissector("json");
    micloud_push_handoff();
    for (size_t i = 0; i < MEDIA_TYPE_COUNT; i++) {
        previous[i] = table ? dissector_get_string_handle(table, media_types[i]) : NULL;
        dissector_add_string("media_type", media_types[i], micloud_handle);
    }
}
