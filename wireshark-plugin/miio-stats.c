/*
 * miio-stats.c - the "miio" tap and Statistics > miIO (tshark -z miio,tree): frames by kind,
 * requests by method, error replies by code, frames by device id, MIoT
 * properties read, written and changed (and actions, events) by name, per model.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <string.h>

#include <epan/stats_tree.h>
#include <epan/tap.h>

#include "miio-fields.h"
#include "miio-shim.h"
#include "ws-compat.h"

static const char st_str_kinds[] = "Frames by kind";
static const char st_str_methods[] = "Requests by method";
static const char st_str_errors[] = "Error replies by code";
static const char st_str_devices[] = "Frames by device id";
static const char st_str_miot[] = "MIoT by model";

static int st_node_kinds = -1;
static int st_node_methods = -1;
static int st_node_errors = -1;
static int st_node_devices = -1;
static int st_node_miot = -1;

/* Models counted in one frame at the most (a Mi cloud call's devices). */
#define MIIO_MIOT_STATS_MODELS 16

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
    case MIIO_KIND_HA_PROBE:          return "Xiaomi Home probe";
    case MIIO_KIND_HA_PROBE_REPLY:    return "Xiaomi Home probe reply";
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
    st_node_miot = stats_tree_create_node(st, st_str_miot, 0, STAT_DT_INT, TRUE);
}

/* What a request does to its entries: read, written, changed, ... */
static const char *
miot_operation(miio_miot_method method)
{
    switch (method) {
    case MIIO_MIOT_METHOD_GET_PROPERTIES:      return "Properties read";
    case MIIO_MIOT_METHOD_SET_PROPERTIES:      return "Properties written";
    case MIIO_MIOT_METHOD_PROPERTIES_CHANGED:  return "Properties changed";
    case MIIO_MIOT_METHOD_ACTION:              return "Actions";
    case MIIO_MIOT_METHOD_EVENT_OCCURED:       return "Events";
    case MIIO_MIOT_METHOD_NONE:                break;
    }
    return NULL;
}

/* MIoT by model > read/written/changed/actions/events > service.name (or siid/iid). */
static void
miot_stats(stats_tree *st, const miio_tap_info *info)
{
    const char *operation = miot_operation(info->miot_method);
    /* A Mi cloud call names a device per entry: each model of the frame
     * counts once, its entries under it. */
    const char *models[MIIO_MIOT_STATS_MODELS];
    int nodes[MIIO_MIOT_STATS_MODELS];
    size_t seen = 0;

    if (info->miot_reply || !operation || !info->miot_count)
        return;
    tick_stat_node(st, st_str_miot, 0, FALSE);
    for (size_t i = 0; i < info->miot_count; i++) {
        const miio_miot_entry *e = &info->miot[i];
        const char *m = e->model[0] ? e->model : info->model ? info->model : "model not known";
        size_t at = 0;

        while (at < seen && strcmp(models[at], m) != 0)
            at++;
        if (at == seen) {
            if (seen == MIIO_MIOT_STATS_MODELS)
                continue;
            models[seen] = m;
            nodes[seen++] = tick_stat_node(st, operation, tick_stat_node(st, m, st_node_miot, TRUE), TRUE);
        }
        if (e->kind != MIIO_MIOT_ARGUMENT)
            tick_stat_node(st, e->full_name, nodes[at], FALSE);
    }
}

static tap_packet_status
miio_stats_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                  const void *data, tap_flags_t flags _U_)
{
    const miio_tap_info *info = (const miio_tap_info *)data;
    char name[32];

    if (info->miot_only) {
        miot_stats(st, info);
        return TAP_PACKET_REDRAW;
    }

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
    miot_stats(st, info);
    return TAP_PACKET_REDRAW;
}

miio_tap_info *
miio_tap_new(packet_info *pinfo)
{
    return have_tap_listener(miio_tap) ? wmem_new0(pinfo->pool, miio_tap_info) : NULL;
}

/* Filled when a tap listens: the frame's kind, method, error, model. */
void
miio_tap_queue(packet_info *pinfo, const miio_frame_info *info, const uint8_t *plaintext,
          miio_tap_info *t)
{
    if (!t)
        return;
    t->kind = info->kind;
    t->payload_kind = info->payload.kind;
    t->device_id = info->header.device_id;
    if (info->payload.method.present)
        t->method = wmem_strndup(pinfo->pool, (const char *)plaintext + info->payload.method.offset,
                                 info->payload.method.length);
    t->has_error_code = info->payload.error_code_span.present;
    t->error_code = info->payload.error_code;
    if (info->miot.model[0])
        t->model = wmem_strdup(pinfo->pool, info->miot.model);
    t->miot_method = info->miot.method;
    t->miot_reply = info->miot.reply;
    tap_queue_packet(miio_tap, pinfo, t);
}

void
miio_tap_queue_miot(packet_info *pinfo, const miio_miot_frame *m, miio_tap_info *t)
{
    if (!t || !t->miot_count)
        return;
    t->miot_only = 1;
    if (m->model[0])
        t->model = wmem_strdup(pinfo->pool, m->model);
    t->miot_method = m->method;
    t->miot_reply = m->reply;
    tap_queue_packet(miio_tap, pinfo, t);
}

void
miio_stats_register(void)
{
    stats_tree_register_plugin("miio", "miio", "miIO", 0,
                               miio_stats_packet, miio_stats_init, NULL);
}
