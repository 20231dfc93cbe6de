/*
 * mibeacon-hook.c - how MiBeacon frames reach the dissector, and who sent
 * them.
 *
 * - Service data 0xFE95: from 4.2 on, Bluetooth hands it to the string
 *   table "btcommon.eir_ad.entry.uuid" (key "fe95"). 4.0 hands service data
 *   to no table; there a postdissector finds the frames in the packet's
 *   bytes (mibeacon_locate): the Bluetooth fields cannot be relied on, as
 *   the GUI builds no tree for its packet list.
 * - Manufacturer data 0x038F: the company-id table, on every version.
 * - The advertiser: the report's address in HCI captures (link types 187,
 *   201, 254, btsnoop), where pinfo->src is "controller"; the advertising
 *   packet's own address in link layer captures (251, 256, 272). In layouts mibeacon_locate does not read, the last
 *   bthci_evt.bd_addr before the frame in the tree, when there is one; on
 *   4.0 the service data fields of the tree, when one is built.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/packet.h>
#include <epan/proto.h>
#include <wiretap/wtap.h>

#include "mibeacon-shim.h"

#define XIAOMI_COMPANY_ID 0x038F
#define MAX_FOUND 8

static dissector_handle_t service_handle;
static dissector_handle_t manufacturer_handle;
static dissector_handle_t post_handle;
static int hf_bd_addr = -1;
static int hf_service_data = -1;
/* Bluetooth hands service data to the UUID table (4.2 and later). */
static gboolean from_uuid_table;

/* The layout mibeacon_locate reads for this packet; FALSE for others. */
static gboolean
layout_of(packet_info *pinfo, mibeacon_layout *layout)
{
    if (!pinfo->rec || pinfo->rec->rec_type != REC_TYPE_PACKET)
        return FALSE;
    switch (pinfo->rec->rec_header.packet_header.pkt_encap) {
    case WTAP_ENCAP_BLUETOOTH_LE_LL_WITH_PHDR:
        *layout = MIBEACON_LAYOUT_LE_LL_WITH_PHDR;
        return TRUE;
    case WTAP_ENCAP_BLUETOOTH_H4_WITH_PHDR:
    case WTAP_ENCAP_BLUETOOTH_H4:
        *layout = MIBEACON_LAYOUT_HCI_H4;
        return TRUE;
    case WTAP_ENCAP_BLUETOOTH_LE_LL:
        *layout = MIBEACON_LAYOUT_LE_LL;
        return TRUE;
    case WTAP_ENCAP_NORDIC_BLE:
        *layout = MIBEACON_LAYOUT_NORDIC_BLE;
        return TRUE;
    case WTAP_ENCAP_BLUETOOTH_LINUX_MONITOR:
        *layout = MIBEACON_LAYOUT_HCI_EVENT;
        return pinfo->pseudo_header && pinfo->pseudo_header->btmon.opcode == 3; /* an event */
    default:
        return FALSE;
    }
}

/* The MiBeacon frames of the packet, from its bytes; 0 when the layout is
 * not one mibeacon_locate reads. */
static size_t
locate(tvbuff_t *packet, packet_info *pinfo, mibeacon_found *found)
{
    mibeacon_layout layout;
    size_t count = 0;
    unsigned len = tvb_captured_length(packet);

    if (!layout_of(pinfo, &layout) ||
        mibeacon_locate(tvb_get_ptr(packet, 0, len), len, layout, found, MAX_FOUND, &count) != MIIO_OK)
        return 0;
    return count < MAX_FOUND ? count : MAX_FOUND;
}

/* The last bthci_evt.bd_addr of the tree before tvb's bytes. */
static gboolean
hci_address_in_tree(tvbuff_t *tvb, proto_tree *tree, uint8_t out[6])
{
    GPtrArray *all;
    tvbuff_t *ds = tvb_get_ds_tvb(tvb);
    int before = tvb_raw_offset(tvb);
    field_info *best = NULL;
    uint8_t sent[6];

    if (!tree || hf_bd_addr <= 0 || !(all = proto_find_finfo(tree, hf_bd_addr)))
        return FALSE;
    for (unsigned i = 0; i < all->len; i++) {
        field_info *fi = (field_info *)g_ptr_array_index(all, i);
        if (fi->ds_tvb == ds && fi->length == 6 && fi->start < before &&
            (!best || fi->start > best->start))
            best = fi;
    }
    if (best) {
        tvb_memcpy(ds, sent, best->start, 6); /* a BD_ADDR is sent reversed */
        for (int k = 0; k < 6; k++)
            out[k] = sent[5 - k];
    }
    g_ptr_array_free(all, TRUE);
    return best != NULL;
}

/* Who sent the frame tvb holds (a subset of the packet's bytes). */
static mibeacon_context
advertiser(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    mibeacon_context ctx = { 0 };
    mibeacon_found found[MAX_FOUND];
    size_t count = locate(tvb_get_ds_tvb(tvb), pinfo, found);

    for (size_t i = 0; i < count; i++) {
        if (found[i].has_address && (int)found[i].offset == tvb_raw_offset(tvb)) {
            memcpy(ctx.address, found[i].address, 6);
            ctx.has_address = 1;
            return ctx;
        }
    }
    if (pinfo->src.type == AT_ETHER && pinfo->src.len == 6) {
        memcpy(ctx.address, pinfo->src.data, 6);
        ctx.has_address = 1;
    } else if (hci_address_in_tree(tvb, tree, ctx.address)) {
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

/* Other layouts: the 0xFE95 service data fields
 * of the tree, when one is built (tshark -V, the GUI's details). */
static int
dissect_post_from_tree(packet_info *pinfo, proto_tree *tree)
{
    GPtrArray *all;

    if (!tree || hf_service_data <= 0 || !proto_is_frame_protocol(pinfo->layers, "btcommon") ||
        !(all = proto_find_finfo(tree, hf_service_data)))
        return 0;
    for (unsigned i = 0; i < all->len; i++) {
        field_info *fi = (field_info *)g_ptr_array_index(all, i);
        tvbuff_t *frame;
        mibeacon_context ctx;

        if (fi->start < 2 || fi->length <= 0 ||
            !tvb_bytes_exist(fi->ds_tvb, fi->start - 2, fi->length + 2) ||
            tvb_get_letohs(fi->ds_tvb, fi->start - 2) != 0xFE95)
            continue;
        frame = tvb_new_subset_length(fi->ds_tvb, fi->start, fi->length);
        ctx = advertiser(frame, pinfo, tree);
        mibeacon_dissect_frame(frame, pinfo, tree, &ctx);
    }
    g_ptr_array_free(all, TRUE);
    return 0;
}

/* 4.0: the service data frames of the packet (manufacturer data arrives
 * through the company-id table). */
static int
dissect_post(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    mibeacon_found found[MAX_FOUND];
    mibeacon_layout layout;
    size_t count;

    if (from_uuid_table)
        return 0;
    if (!layout_of(pinfo, &layout))
        return dissect_post_from_tree(pinfo, tree);
    count = locate(tvb, pinfo, found);
    for (size_t i = 0; i < count; i++) {
        tvbuff_t *frame;
        mibeacon_context ctx = { 0 };

        if (found[i].manufacturer)
            continue;
        frame = tvb_new_subset_length(tvb, (int)found[i].offset, (int)found[i].length);
        ctx.has_address = found[i].has_address;
        memcpy(ctx.address, found[i].address, 6);
        mibeacon_dissect_frame(frame, pinfo, tree, &ctx);
    }
    return count ? (int)tvb_captured_length(tvb) : 0;
}

void
mibeacon_hook_register(int proto)
{
    service_handle = register_dissector("mibeacon", dissect_from_table, proto);
    manufacturer_handle = create_dissector_handle(dissect_from_table, proto);
    post_handle = create_dissector_handle(dissect_post, proto);
}

void
mibeacon_hook_handoff(void)
{
    hf_bd_addr = proto_registrar_get_id_byname("bthci_evt.bd_addr");
    hf_service_data = proto_registrar_get_id_byname("btcommon.eir_ad.entry.service_data");
    from_uuid_table = find_dissector_table("btcommon.eir_ad.entry.uuid") != NULL;
    if (from_uuid_table)
        dissector_add_string("btcommon.eir_ad.entry.uuid", "fe95", service_handle);
    else
        register_postdissector(post_handle);
    dissector_add_uint("btcommon.eir_ad.manufacturer_company_id", XIAOMI_COMPANY_ID,
                       manufacturer_handle);
}
