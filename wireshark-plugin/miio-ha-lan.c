/*
 * miio-ha-lan.c - what the official Xiaomi Home integration adds to miIO
 * on the LAN (GitHub XiaoMi/ha_xiaomi_home, miot/miot_lan.py): its 32-byte
 * probe ("MDID" and the integration's instance id where a hello has its
 * checksum) and the device's answer ("MSUB", a timestamp, "PUB", a type, a
 * wildcard flag) -- neither a hello nor a token carrier -- and the 64-bit
 * device id it packs into header bytes 4..11. Which frame is which is
 * decided in Rust (the frame kind); this file draws.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <inttypes.h>
#include <stdbool.h>

#include <epan/packet.h>

#include "miio-tree.h"

#define OFFSET_MDID 20
#define OFFSET_MSUB_TIME 20
#define OFFSET_MSUB_TYPE 27
#define OFFSET_MSUB_WILDCARD 28
#define MSUB_WILDCARD 0xFE

static int hf_mdid = -1;
static int hf_msub_timestamp = -1;
static int hf_msub_type = -1;
static int hf_msub_wildcard = -1;
static int hf_device_id64 = -1;

void
miio_ha_lan_frame(tvbuff_t *tvb, packet_info *pinfo, proto_item *miio_item, proto_tree *tree,
                  const miio_frame_info *info)
{
    if (info->kind == MIIO_KIND_HA_PROBE) {
        uint64_t instance = tvb_get_ntoh64(tvb, OFFSET_MDID);
        proto_tree_add_item(tree, hf_mdid, tvb, OFFSET_MDID, 8, ENC_BIG_ENDIAN);
        col_add_fstr(pinfo->cinfo, COL_INFO, "Xiaomi Home probe, instance 0x%016" PRIx64, instance);
        proto_item_append_text(miio_item, ", Xiaomi Home probe");
        return;
    }
    /* tvb_get_guint8 is deprecated from 4.4 on, tvb_get_uint8 missing in 4.0. */
    bool wildcard = tvb_get_ptr(tvb, OFFSET_MSUB_WILDCARD, 1)[0] == MSUB_WILDCARD;
    proto_tree_add_item(tree, hf_msub_timestamp, tvb, OFFSET_MSUB_TIME, 4, ENC_TIME_SECS | ENC_BIG_ENDIAN);
    proto_tree_add_item(tree, hf_msub_type, tvb, OFFSET_MSUB_TYPE, 1, ENC_NA);
    proto_tree_add_boolean(tree, hf_msub_wildcard, tvb, OFFSET_MSUB_WILDCARD, 1, wildcard);
    col_add_fstr(pinfo->cinfo, COL_INFO, "Xiaomi Home probe reply, device 0x%08x%s", info->header.device_id,
                 wildcard ? ", wildcard subscriptions" : "");
    proto_item_append_text(miio_item, ", Xiaomi Home probe reply");
}

void
miio_ha_add_device_id64(tvbuff_t *tvb, proto_tree *tree, const miio_frame_info *info)
{
    /* Bytes 4..7 are 0 from every other peer; a frame that verifies shows
     * they are the upper half of the device id, not noise. */
    if (info->header.unknown && info->checksum_status == MIIO_CHECKSUM_GOOD) {
        uint64_t id = (uint64_t)info->header.unknown << 32 | info->header.device_id;
        proto_item_set_generated(proto_tree_add_uint64(tree, hf_device_id64, tvb, MIIO_OFFSET_UNKNOWN, 8, id));
    }
}

void
miio_ha_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_mdid, { "Xiaomi Home instance", "miio.mdid", FT_UINT64, BASE_HEX, NULL, 0x0,
          "The probe's MDID: the integration's instance id", HFILL } },
        { &hf_msub_timestamp, { "Subscription timestamp", "miio.msub.timestamp", FT_ABSOLUTE_TIME,
          ABSOLUTE_TIME_UTC, NULL, 0x0, "The MSUB reply's timestamp", HFILL } },
        { &hf_msub_type, { "Publish type", "miio.msub.type", FT_UINT8, BASE_DEC, NULL, 0x0,
          "The byte after \"PUB\"", HFILL } },
        { &hf_msub_wildcard, { "Wildcard subscriptions", "miio.msub.wildcard", FT_BOOLEAN, BASE_NONE, NULL,
          0x0, "Byte 28 is 0xfe: the device takes wildcard subscriptions", HFILL } },
        { &hf_device_id64, { "Device ID (64-bit)", "miio.device_id64", FT_UINT64, BASE_HEX_DEC, NULL, 0x0,
          "Header bytes 4..11 as one id, as the Xiaomi Home integration packs it (bytes 4..7 nonzero "
          "in a frame that verifies); miio.device_id keeps bytes 8..11", HFILL } },
    };

    proto_register_field_array(proto, hf, array_length(hf));
}
