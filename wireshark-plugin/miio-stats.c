/*
 * miio-stats.c - Statistics > miIO (tshark -z miio,tree): frames by kind,
 * requests by method, error replies by code, frames by device id.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>

#include <epan/stats_tree.h>
#include <epan/tap.h>

#include "miio-shim.h"
#include "ws-compat.h"

static const char st_str_kinds[] = "Frames by kind";
static const char st_str_methods[] = "Requests by method";
static const char st_str_errors[] = "Error replies by code";
static const char st_str_devices[] = "Frames by device id";

static int st_node_kinds = -1;
static int st_node_methods = -1;
static int st_node_errors = -1;
static int st_node_devices = -1;

static const char *
miio_kind_name(const miio_tap_info *info)
{
    switch (info->kind) {
    case MIIO_KIND_HELLO_REQUEST:     return "Hello";
    case MIIO_KIND_HELLO_REPLY:       return "Hello reply";
    case MIIO_KIND_HELLO_REPLY_TOKEN: return "Hello reply with token";
    case MIIO_KIND_MALFORMED:         return "Malformed";
    case MIIO_KIND_CLOUD_HELLO:       return "Cloud hello";
    case MIIO_KIND_TIME_SYNC:         return "Time sync";
    case MIIO_KIND_KEEPALIVE:         return "Keep-alive";
    case MIIO_KIND_PING:              return "Ping (empty payload)";
    case MIIO_KIND_DATA:              break;
    }
    switch (info->payload_kind) {
    case MIIO_PAYLOAD_REQUEST:     return "Request";
    case MIIO_PAYLOAD_REPLY:       return "Reply";
    case MIIO_PAYLOAD_ERROR_REPLY: return "Error reply";
    case MIIO_PAYLOAD_NOT_JSON:
    case MIIO_PAYLOAD_OTHER_JSON:  return "Decrypted, other";
    case MIIO_PAYLOAD_NONE:        break;
    }
    return "Encrypted, not decrypted";
}

static void
miio_stats_init(stats_tree *st)
{
    st_node_kinds = stats_tree_create_node(st, st_str_kinds, 0, STAT_DT_INT, TRUE);
    st_node_methods = stats_tree_create_node(st, st_str_methods, 0, STAT_DT_INT, TRUE);
    st_node_errors = stats_tree_create_node(st, st_str_errors, 0, STAT_DT_INT, TRUE);
    st_node_devices = stats_tree_create_node(st, st_str_devices, 0, STAT_DT_INT, TRUE);
}

static tap_packet_status
miio_stats_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                  const void *data, tap_flags_t flags _U_)
{
    const miio_tap_info *info = (const miio_tap_info *)data;
    char name[32];

    tick_stat_node(st, st_str_kinds, 0, FALSE);
    tick_stat_node(st, miio_kind_name(info), st_node_kinds, FALSE);

    if (info->method) {
        tick_stat_node(st, st_str_methods, 0, FALSE);
        tick_stat_node(st, info->method, st_node_methods, FALSE);
    }
    if (info->payload_kind == MIIO_PAYLOAD_ERROR_REPLY) {
        tick_stat_node(st, st_str_errors, 0, FALSE);
        if (info->has_error_code)
            snprintf(name, sizeof name, "%" PRId64, info->error_code);
        else
            snprintf(name, sizeof name, "no code");
        tick_stat_node(st, name, st_node_errors, FALSE);
    }
    if (info->kind != MIIO_KIND_MALFORMED && info->kind != MIIO_KIND_HELLO_REQUEST) {
        tick_stat_node(st, st_str_devices, 0, FALSE);
        snprintf(name, sizeof name, "0x%08x", info->device_id);
        tick_stat_node(st, name, st_node_devices, FALSE);
    }
    return TAP_PACKET_REDRAW;
}

void
miio_stats_register(void)
{
    stats_tree_register_plugin("miio", "miio", "miIO", 0,
                               miio_stats_packet, miio_stats_init, NULL);
}
