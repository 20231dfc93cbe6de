/*
 * mibeacon-stats.c - the "mibeacon" tap and Statistics > MiBeacon
 * (tshark -z mibeacon,tree): advertisers, products, readings by quantity,
 * frames by decryption outcome.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/stats_tree.h>
#include <epan/tap.h>

#include "mibeacon-shim.h"
#include "ws-compat.h"

static int mibeacon_tap = -1;

static const char st_devices[] = "Advertisers";
static const char st_products[] = "Products";
static const char st_readings[] = "Readings";
static const char st_decryption[] = "Frames by decryption";

static int node_devices = -1;
static int node_products = -1;
static int node_readings = -1;
static int node_decryption = -1;

static const char *
decryption_name(mibeacon_mic_status status)
{
    switch (status) {
    case MIBEACON_MIC_CLEAR:      return "Not encrypted";
    case MIBEACON_MIC_GOOD:       return "Decrypted, MIC good";
    case MIBEACON_MIC_UNCHECKED:  return "Decrypted, v2/v3 (no MIC)";
    case MIBEACON_MIC_BAD:        return "Wrong bindkey";
    case MIBEACON_MIC_WRONG_KIND: return "Bindkey of the wrong length";
    case MIBEACON_MIC_NO_KEY:
    case MIBEACON_MIC_NO_MATCH:   return "No bindkey";
    case MIBEACON_MIC_NO_ADDRESS: return "Advertiser unknown";
    }
    return "Other";
}

static void
mibeacon_stats_init(stats_tree *st)
{
    node_devices = stats_tree_create_node(st, st_devices, 0, STAT_DT_INT, TRUE);
    node_products = stats_tree_create_node(st, st_products, 0, STAT_DT_INT, TRUE);
    node_readings = stats_tree_create_node(st, st_readings, 0, STAT_DT_INT, TRUE);
    node_decryption = stats_tree_create_node(st, st_decryption, 0, STAT_DT_INT, TRUE);
}

static tap_packet_status
mibeacon_stats_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                      const void *data, tap_flags_t flags _U_)
{
    const mibeacon_tap_info *t = (const mibeacon_tap_info *)data;

    if (t->sender) {
        int device = tick_stat_node(st, t->sender, node_devices, TRUE);
        tick_stat_node(st, st_devices, 0, FALSE);
        tick_stat_node(st, t->product, device, FALSE);
    }
    tick_stat_node(st, st_products, 0, FALSE);
    tick_stat_node(st, t->product, node_products, FALSE);
    for (size_t i = 0; i < t->reading_count; i++) {
        tick_stat_node(st, st_readings, 0, FALSE);
        tick_stat_node(st, t->readings[i], node_readings, FALSE);
    }
    tick_stat_node(st, st_decryption, 0, FALSE);
    tick_stat_node(st, decryption_name(t->mic_status), node_decryption, FALSE);
    return TAP_PACKET_REDRAW;
}

int
mibeacon_tap_id(void)
{
    return mibeacon_tap;
}

void
mibeacon_stats_register(void)
{
    mibeacon_tap = register_tap("mibeacon");
    stats_tree_register_plugin("mibeacon", "mibeacon", "MiBeacon", 0,
                               mibeacon_stats_packet, mibeacon_stats_init, NULL);
}
