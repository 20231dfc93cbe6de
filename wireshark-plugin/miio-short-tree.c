/*
 * miio-short-tree.c - draws the 32-byte miIO frames: hellos and their
 * replies (with a token a reply leaks), pings, and on a cloud connection the
 * cloud hello, time sync and keep-alives.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/to_str.h>

#include "miio-fields.h"
#include "miio-tree.h"

/* A hello reply's bytes 16..31: the token, a candidate until a frame's
 * checksum confirms it, dropped when another key verifies the device. */
static void
add_hello_token(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const miio_frame_info *info)
{
    const miio_session *s = &info->session;
    proto_item *ti = proto_tree_add_item(tree, hf_miio_token, tvb, MIIO_OFFSET_CHECKSUM,
                                         MIIO_TOKEN_LEN, ENC_NA);
    proto_item *link;

    if (s->key_dropped_in) {
        proto_item_append_text(ti, " [not the token: frame %u verified with another key]",
                               s->key_dropped_in);
        link = proto_tree_add_uint(tree, hf_miio_token_dropped_in, tvb, 0, 0, s->key_dropped_in);
        proto_item_set_generated(link);
        expert_add_info_format(pinfo, ti, &ei_miio_key_dropped,
            "Token candidate dropped: frame %u of device 0x%08x verified with another key "
            "and this one verified none", s->key_dropped_in, info->header.device_id);
        col_add_fstr(pinfo->cinfo, COL_INFO, "Hello reply, device 0x%08x", info->header.device_id);
        return;
    }
    expert_add_info(pinfo, ti, &ei_miio_token_leaked);
    if (s->key_confirmed_in) {
        proto_item_append_text(ti, " [confirmed by the checksum of frame %u]", s->key_confirmed_in);
        link = proto_tree_add_uint(tree, hf_miio_token_confirmed_in, tvb, 0, 0, s->key_confirmed_in);
        proto_item_set_generated(link);
    } else if (s->key_origin == MIIO_KEY_ORIGIN_HELLO_REPLY) {
        proto_item_append_text(ti, " [candidate: no checksum has confirmed it yet]");
    }
    miio_add_key_origin(tvb, pinfo, tree, s);
    if (s->taught != MIIO_KEY_ORIGIN_NONE)
        expert_add_info_format(pinfo, ti, &ei_miio_key_learned,
            "Token learned for device 0x%08x: its frames decrypt with it", info->header.device_id);
    col_add_fstr(pinfo->cinfo, COL_INFO, "Hello reply, device 0x%08x, token leaked",
                 info->header.device_id);
}

/* The 32-byte frames: hellos, hello replies, pings, and on a cloud
 * connection the cloud hello, time sync and keep-alives. */
void
miio_tree_short_frame(tvbuff_t *tvb, packet_info *pinfo, proto_item *miio_item,
              proto_tree *tree, const miio_frame_info *info)
{
    const char *what = "Hello reply";

    switch (info->kind) {
    case MIIO_KIND_HELLO_REQUEST:
        what = "Hello";
        proto_tree_add_item(tree, hf_miio_checksum, tvb, MIIO_OFFSET_CHECKSUM, MIIO_CHECKSUM_LEN, ENC_NA);
        col_set_str(pinfo->cinfo, COL_INFO, "Hello");
        break;
    case MIIO_KIND_HELLO_REPLY_TOKEN:
        add_hello_token(tvb, pinfo, tree, info);
        break;
    case MIIO_KIND_PING:
        what = info->session.echo ? "Ping echo" : "Ping";
        miio_add_checksum(tvb, pinfo, tree, info);
        miio_add_key_origin(tvb, pinfo, tree, &info->session);
        col_add_fstr(pinfo->cinfo, COL_INFO, "Ping (empty payload)%s, device 0x%08x%s",
                     info->session.echo ? " echo" : "", info->header.device_id,
                     info->checksum_status == MIIO_CHECKSUM_GOOD ? "" : ", checksum not verified");
        break;
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
        what = info->session.echo ? "Keep-alive echo" : "Keep-alive";
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
