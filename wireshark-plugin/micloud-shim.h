/*
 * micloud-shim.h - the Mi cloud API's C files: packet-micloud.c (the HTTP
 * hook and entry point), micloud-tree.c (fields, experts, drawing).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MICLOUD_SHIM_H
#define MICLOUD_SHIM_H

#include <epan/packet.h>

#include "miio_dissector.h"

void proto_register_micloud(void);
void proto_reg_handoff_micloud(void);

void micloud_register_fields(int proto);
/* Draws a dissected body; plain holds the decrypted texts info points at. */
void micloud_draw(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int proto,
                  const micloud_info *info, uint8_t *plain, dissector_handle_t json);

#endif /* MICLOUD_SHIM_H */
