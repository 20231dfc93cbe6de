/*
 * micloud-push.c - the Xiaomi Home integration's cloud MQTT pushes
 * (device/<did>/up/properties_changed/..., .../event_occured/...), plain
 * JSON over TLS 8883: found through MQTT's "mqtt.topic" heuristics, their
 * MIoT entries named with the same fields as in miIO frames. Which topics
 * and payloads are such pushes is decided in Rust (micloud_mqtt_dissect).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/packet.h>

#include "json-sub.h"
#include "micloud-shim.h"
#include "miio-miot.h"
#include "ws-compat.h"

static int proto_push = -1;
static int hf_push_did = -1;
static int ett_push = -1;
static dissector_handle_t push_json;

static miio_bool
dissect_push_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    const char *topic = (const char *)data;
    unsigned len = tvb_captured_length(tvb);
    micloud_push_info *info;
    micloud_context ctx = { .frame_number = pinfo->num, .visited = PINFO_FD_VISITED(pinfo) };
    proto_item *top;
    proto_tree *pt;

    /* A cheap look first: most topics are not "device/...". */
    if (!topic || strncmp(topic, "device/", 7) != 0 || !len)
        return FALSE;
    info = wmem_new(pinfo->pool, micloud_push_info);
    if (micloud_mqtt_dissect(topic, tvb_get_ptr(tvb, 0, len), len, &ctx, info) != MIIO_OK || !info->is_push)
        return FALSE;
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "Mi cloud");
    col_add_str(pinfo->cinfo, COL_INFO, info->summary);
    top = proto_tree_add_item(tree, proto_push, tvb, 0, -1, ENC_NA);
    proto_item_append_text(top, ", %s", info->summary);
    pt = proto_item_add_subtree(top, ett_push);
    proto_item_set_generated(proto_tree_add_string(pt, hf_push_did, tvb, 0, 0, info->did));
    miio_call_json_text(push_json, tvb, 0, len, pinfo, pt);
    if (info->miot.spec_status != MIIO_SPEC_NOT_MIOT) {
        miio_tap_info *tap = miio_tap_new(pinfo);
        miio_miot_add_model(pt, tvb, pinfo, &info->miot);
        miio_miot_add_entries(pt, pinfo, tvb, &info->miot, tap);
        miio_tap_queue_miot(pinfo, &info->miot, tap);
    }
    return TRUE;
}

void
micloud_push_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_push_did, { "Device id", "micloud.push.did", FT_STRING, BASE_NONE, NULL, 0x0,
          "The cloud device id the MQTT topic names", HFILL } },
    };
    static int *ett[] = { &ett_push };

    proto_push = proto;
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
}

void
micloud_push_handoff(void)
{
    push_json = find_dissector("json");
    heur_dissector_add("mqtt.topic", dissect_push_heur,
                       "Xiaomi Home cloud MQTT pushes (device/<did>/up/... topics)", "micloud_mqtt",
                       proto_push, HEURISTIC_ENABLE);
}
