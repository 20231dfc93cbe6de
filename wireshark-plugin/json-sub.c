/*
 * json-sub.c - see json-sub.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "json-sub.h"

void
miio_call_json(dissector_handle_t json, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    bool info = col_get_writable(pinfo->cinfo, COL_INFO);
    bool protocol = col_get_writable(pinfo->cinfo, COL_PROTOCOL);

    col_set_writable(pinfo->cinfo, COL_INFO, FALSE);
    col_set_writable(pinfo->cinfo, COL_PROTOCOL, FALSE);
    call_dissector(json, tvb, pinfo, tree);
    col_set_writable(pinfo->cinfo, COL_INFO, info);
    col_set_writable(pinfo->cinfo, COL_PROTOCOL, protocol);
}
