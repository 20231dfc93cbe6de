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

void
miio_call_json_text(dissector_handle_t json, tvbuff_t *tvb, unsigned offset, unsigned length,
                    packet_info *pinfo, proto_tree *tree)
{
    /* tvb_get_guint8 is deprecated from 4.4 on, tvb_get_uint8 missing in 4.0. */
    const uint8_t *start = length ? tvb_get_ptr(tvb, (int)offset, 1) : NULL;
    uint8_t first = start ? start[0] : 0;
    if (json && (first == '{' || first == '['))
        miio_call_json(json, tvb_new_subset_length(tvb, (int)offset, (int)length), pinfo, tree);
}
