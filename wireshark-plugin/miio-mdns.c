/*
 * miio-mdns.c - devices announcing themselves over mDNS (_miio._udp.local,
 * `<model>_miio<did>`, TXT mac=...): Wireshark's mDNS dissector draws the
 * packet as always, then the plugin shows who the device is (model, device
 * id, MAC, address) and its model names the device's MIoT entries. UDP 5353
 * is taken from mDNS and handed straight back; parsing and learning are in
 * Rust (miio_mdns_identities).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/address.h>
#include <epan/exceptions.h>
#include <epan/packet.h>
#include <epan/show_exception.h>
#include <epan/to_str.h>

#include "miio-shim.h"

#define MDNS_PORT 5353
#define MDNS_MAX_IDENTITIES 8

static int proto_mdns_identity = -1;
static int hf_identity = -1;
static int hf_instance = -1;
static int hf_model = -1;
static int hf_device_id = -1;
static int hf_mac = -1;
static int hf_address = -1;
static int ett_identity = -1;
static dissector_handle_t mdns_previous;

static int
dissect_mdns_identity(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    unsigned len = tvb_captured_length(tvb);
    miio_mdns_identity found[MDNS_MAX_IDENTITIES];
    size_t count = 0;
    volatile int used = 0;

    /* mDNS may throw on a malformed record (some firmwares' broken TXT):
     * shown as Wireshark shows it, and the identity is still read. */
    TRY {
        used = mdns_previous ? call_dissector_with_data(mdns_previous, tvb, pinfo, tree, data)
                             : call_data_dissector(tvb, pinfo, tree);
    }
    CATCH_NONFATAL_ERRORS {
        show_exception(tvb, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
        used = (int)len;
    }
    ENDTRY;

    if (!len || miio_mdns_identities(tvb_get_ptr(tvb, 0, len), len, pinfo->num, PINFO_FD_VISITED(pinfo),
                                     found, MDNS_MAX_IDENTITIES, &count) != MIIO_OK)
        return used;
    for (size_t i = 0; i < count; i++) {
        const miio_mdns_identity *id = &found[i];
        proto_item *ti = proto_tree_add_string_format_value(tree, hf_identity, tvb, 0, 0, id->instance,
                                                            "%s, device 0x%08x, %s", id->model, id->device_id,
                                                            address_to_str(pinfo->pool, &pinfo->src));
        proto_tree *it = proto_item_add_subtree(ti, ett_identity);
        proto_item_set_generated(ti);
        proto_item_set_generated(proto_tree_add_string(it, hf_instance, tvb, 0, 0, id->instance));
        proto_item_set_generated(proto_tree_add_string(it, hf_model, tvb, 0, 0, id->model));
        proto_item_set_generated(proto_tree_add_uint(it, hf_device_id, tvb, 0, 0, id->device_id));
        if (id->has_mac)
            proto_item_set_generated(proto_tree_add_ether(it, hf_mac, tvb, 0, 0, id->mac));
        proto_item_set_generated(proto_tree_add_string(it, hf_address, tvb, 0, 0,
                                                       address_to_str(pinfo->pool, &pinfo->src)));
        col_append_fstr(pinfo->cinfo, COL_INFO, " | miIO device 0x%08x: %s", id->device_id, id->model);
    }
    return used;
}

void
miio_mdns_register(int proto_miio)
{
    static hf_register_info hf[] = {
        { &hf_identity, { "miIO device (mDNS)", "miio.mdns", FT_STRING, BASE_NONE, NULL, 0x0,
          "A device announcing itself as _miio._udp.local", HFILL } },
        { &hf_instance, { "Instance", "miio.mdns.instance", FT_STRING, BASE_NONE, NULL, 0x0,
          "<model, '.' as '-'>_miio<device id>", HFILL } },
        { &hf_model, { "Model", "miio.mdns.model", FT_STRING, BASE_NONE, NULL, 0x0,
          "Now the device's model for MIoT names (miio.model)", HFILL } },
        { &hf_device_id, { "Device ID", "miio.mdns.device_id", FT_UINT32, BASE_HEX_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_mac, { "MAC", "miio.mdns.mac", FT_ETHER, BASE_NONE, NULL, 0x0, "From the TXT record's mac=", HFILL } },
        { &hf_address, { "Address", "miio.mdns.address", FT_STRING, BASE_NONE, NULL, 0x0,
          "Where the announcement came from: the device", HFILL } },
    };
    static int *ett[] = { &ett_identity };

    proto_register_field_array(proto_miio, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    /* A protocol of its own: a dissector table holds one handle a protocol. */
    proto_mdns_identity = proto_register_protocol_in_name_only("miIO device identity in mDNS",
                                                               "miIO mDNS", "miio_mdns", proto_miio,
                                                               FT_PROTOCOL);
}

void
miio_mdns_handoff(void)
{
    dissector_table_t udp = find_dissector_table("udp.port");

    mdns_previous = dissector_get_uint_handle(udp, MDNS_PORT);
    dissector_add_uint("udp.port", MDNS_PORT, create_dissector_handle(dissect_mdns_identity, proto_mdns_identity));
}
