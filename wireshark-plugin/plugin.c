/*
 * plugin.c - what the Rust plugin entry points call to register with epan.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/proto.h>

#include "miio_dissector.h"
#include "mibeacon-shim.h"
#include "micloud-shim.h"
#include "miio-shim.h"
#include "ws-compat.h"

#if MIIO_WS_AT_LEAST(4, 2)
#include <wsutil/plugins.h>
#endif

void miio_shim_plugin_register(void)
{
    static proto_plugin plugin_miio;
    static proto_plugin plugin_roborock;
    static proto_plugin plugin_mibeacon;
    static proto_plugin plugin_micloud;

    plugin_miio.register_protoinfo = proto_register_miio;
    plugin_miio.register_handoff = proto_reg_handoff_miio;
    proto_register_plugin(&plugin_miio);
    plugin_roborock.register_protoinfo = proto_register_roborock;
    plugin_roborock.register_handoff = proto_reg_handoff_roborock;
    proto_register_plugin(&plugin_roborock);
    plugin_mibeacon.register_protoinfo = proto_register_mibeacon;
    plugin_mibeacon.register_handoff = proto_reg_handoff_mibeacon;
    proto_register_plugin(&plugin_mibeacon);
    plugin_micloud.register_protoinfo = proto_register_micloud;
    plugin_micloud.register_handoff = proto_reg_handoff_micloud;
    proto_register_plugin(&plugin_micloud);
}

uint32_t miio_shim_plugin_describe(void)
{
#ifdef WS_PLUGIN_DESC_DISSECTOR
    return WS_PLUGIN_DESC_DISSECTOR;
#else
    return 1; /* the value WS_PLUGIN_DESC_DISSECTOR has from 4.4 on */
#endif
}
