/*
 * mibeacon-hook.c - how MiBeacon frames reach the dissector, and who sent
 * them.
 *
 * - Service data 0xFE95: from 4.2 on, Bluetooth hands it to the string
 *   table "btcommon.eir_ad.entry.uuid" (key "fe95"). 4.0 hands service data
 *   to no table; there a postdissector finds each 0xFE95 service data field
 *   of the frame and dissects its bytes.
 * - Manufacturer data 0x038F: the company-id table, on every version.
 * - The advertiser: in HCI captures (link types 201, 254, btsnoop) the
 *   report's bthci_evt.bd_addr, the last one before the frame; in sniffer
 *   captures (256, 272) pinfo->src. The postdissector's wanted fields keep
 *   bd_addr in the tree even when tshark builds none.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/packet.h>
#include <epan/proto.h>

#include "mibeacon-shim.h"

#define XIAOMI_COMPANY_ID 0x038F
#define XIAOMI_SERVICE_UUID 0xFE95

static int proto_mibeacon = -1;
static dissector_handle_t service_handle;
static dissector_handle_t manufacturer_handle;
static dissector_handle_t post_handle;
static int hf_bd_addr = -1;
static int hf_service_data = -1;
/* Bluetooth hands service data to the UUID table (4.2 and later). */
static gboolean from_uuid_table;

/* The last bthci_evt.bd_addr in this data source before tvb's bytes. */
static gboolean
hci_address(tvbuff_t *tvb, proto_tree *tree, uint8_t out[6])
{
    GPtrArray *found;
    tvbuff_t *ds = tvb_get_ds_tvb(tvb);
    int before = tvb_raw_offset(tvb);
    field_info *best = NULL;
    uint8_t sent[6];

    if (!tree || hf_bd_addr <= 0 || !(found = proto_get_finfo_ptr_array(tree, hf_bd_addr)))
        return FALSE;
    for (unsigned i = 0; i < found->len; i++) {
        field_info *fi = (field_info *)g_ptr_array_index(found, i);
        if (fi->ds_tvb == ds && fi->length == 6 && fi->start < before &&
            (!best || fi->start > best->start))
            best = fi;
    }
    if (!best)
        return FALSE;
    /* An HCI BD_ADDR is sent least significant byte first. */
    tvb_memcpy(ds, sent, best->start, 6);
    for (int k = 0; k < 6; k++)
        out[k] = sent[5 - k];
    return TRUE;
}

static mibeacon_context
advertiser(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    mibeacon_context ctx = { 0 };

    if (hci_address(tvb, tree, ctx.address))
        ctx.has_address = 1;
    else if (pinfo->src.type == AT_ETHER && pinfo->src.len == 6) {
        memcpy(ctx.address, pinfo->src.data, 6);
        ctx.has_address = 1;
    }
    return ctx;
}

static int
dissect_from_table(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    mibeacon_context ctx = advertiser(tvb, pinfo, tree);
    return mibeacon_dissect_frame(tvb, pinfo, tree, &ctx);
}

/* 4.0: each service data field whose UUID (the 2 bytes before it) is 0xFE95. */
static int
dissect_post(tvbuff_t *tvb _U_, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    GPtrArray *found;

    if (from_uuid_table || !tree || !(found = proto_get_finfo_ptr_array(tree, hf_service_data)))
        return 0;
    for (unsigned i = 0; i < found->len; i++) {
        field_info *fi = (field_info *)g_ptr_array_index(found, i);
        tvbuff_t *frame;
        mibeacon_context ctx;

        if (fi->start < 2 || fi->length <= 0 ||
            !tvb_bytes_exist(fi->ds_tvb, fi->start - 2, fi->length + 2) ||
            tvb_get_letohs(fi->ds_tvb, fi->start - 2) != XIAOMI_SERVICE_UUID)
            continue;
        frame = tvb_new_subset_length(fi->ds_tvb, fi->start, fi->length);
        ctx = advertiser(frame, pinfo, tree);
        mibeacon_dissect_frame(frame, pinfo, tree, &ctx);
    }
    return tvb_captured_length(tvb);
}

void
mibeacon_hook_register(int proto)
{
    proto_mibeacon = proto;
    service_handle = register_dissector("mibeacon", dissect_from_table, proto);
    manufacturer_handle = create_dissector_handle(dissect_from_table, proto);
    post_handle = create_dissector_handle(dissect_post, proto);
}

void
mibeacon_hook_handoff(void)
{
    GArray *wanted = g_array_new(FALSE, FALSE, (unsigned)sizeof(int));

    hf_bd_addr = proto_registrar_get_id_byname("bthci_evt.bd_addr");
    hf_service_data = proto_registrar_get_id_byname("btcommon.eir_ad.entry.service_data");
    from_uuid_table = find_dissector_table("btcommon.eir_ad.entry.uuid") != NULL;
    if (from_uuid_table)
        dissector_add_string("btcommon.eir_ad.entry.uuid", "fe95", service_handle);
    dissector_add_uint("btcommon.eir_ad.manufacturer_company_id", XIAOMI_COMPANY_ID,
                       manufacturer_handle);

    register_postdissector(post_handle);
    if (hf_bd_addr > 0)
        g_array_append_val(wanted, hf_bd_addr);
    if (!from_uuid_table && hf_service_data > 0)
        g_array_append_val(wanted, hf_service_data);
    set_postdissector_wanted_hfids(post_handle, wanted);
}
