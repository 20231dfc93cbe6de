/*
 * roborock-stats.c - Statistics > Roborock (tshark -z roborock,tree): frames
 * by version, by protocol, RPC requests by method, error replies by code,
 * frames by device (duid), pushed data points by name.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>

#include <epan/stats_tree.h>
#include <epan/tap.h>

#include "roborock-fields.h"

static const char st_versions[] = "Frames by version";
static const char st_protocols[] = "Frames by protocol";
static const char st_methods[] = "Requests by method";
static const char st_errors[] = "Error replies by code";
static const char st_devices[] = "Frames by device (duid)";
static const char st_dps[] = "Data points by name";

static int node_versions = -1, node_protocols = -1, node_methods = -1, node_errors = -1,
           node_devices = -1, node_dps = -1;

static void
roborock_stats_init(stats_tree *st)
{
    node_versions = stats_tree_create_node(st, st_versions, 0, STAT_DT_INT, TRUE);
    node_protocols = stats_tree_create_node(st, st_protocols, 0, STAT_DT_INT, TRUE);
    node_methods = stats_tree_create_node(st, st_methods, 0, STAT_DT_INT, TRUE);
    node_errors = stats_tree_create_node(st, st_errors, 0, STAT_DT_INT, TRUE);
    node_devices = stats_tree_create_node(st, st_devices, 0, STAT_DT_INT, TRUE);
    node_dps = stats_tree_create_node(st, st_dps, 0, STAT_DT_INT, TRUE);
}

/* Each data point by its name, by its id when it has none. */
static void
tick_data_points(stats_tree *st, const roborock_dp_list *dps)
{
    char id[16];

    for (size_t i = 0; i < dps->count; i++) {
        const roborock_data_point *p = &dps->points[i];
        const char *name = p->name;
        if (!name[0]) {
            if (p->id_is_number)
                snprintf(id, sizeof id, "%u", p->id);
            else
                snprintf(id, sizeof id, "(not a number)");
            name = id;
        }
        tick_stat_node(st, st_dps, 0, FALSE);
        tick_stat_node(st, name, node_dps, FALSE);
    }
}

static tap_packet_status
roborock_stats_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                      const void *data, tap_flags_t flags _U_)
{
    const roborock_tap_info *t = (const roborock_tap_info *)data;
    char name[32];

    if (!t->version[0])
        return TAP_PACKET_DONT_REDRAW;
    tick_stat_node(st, st_versions, 0, FALSE);
    tick_stat_node(st, t->version, node_versions, FALSE);
    tick_stat_node(st, st_protocols, 0, FALSE);
    tick_stat_node(st, t->protocol_name, node_protocols, FALSE);
    if (t->method) {
        tick_stat_node(st, st_methods, 0, FALSE);
        tick_stat_node(st, t->method, node_methods, FALSE);
    }
    if (t->is_error) {
        tick_stat_node(st, st_errors, 0, FALSE);
        if (t->has_error_code)
            snprintf(name, sizeof name, "%" PRId64, t->error_code);
        else
            snprintf(name, sizeof name, "unknown_method");
        tick_stat_node(st, name, node_errors, FALSE);
    }
    if (t->duid) {
        tick_stat_node(st, st_devices, 0, FALSE);
        tick_stat_node(st, t->duid, node_devices, FALSE);
    }
    tick_data_points(st, &t->dps);
    return TAP_PACKET_REDRAW;
}

void
roborock_stats_register(void)
{
    stats_tree_register_plugin("roborock", "roborock", "Roborock", 0,
                               roborock_stats_packet, roborock_stats_init, NULL);
}
