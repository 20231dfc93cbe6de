/*
 * micloud-shim.h - the Mi cloud API's C files: packet-micloud.c (the HTTP
 * hook and entry point), micloud-tree.c (fields, experts, drawing).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MICLOUD_SHIM_H
#define MICLOUD_SHIM_H

#include <stdbool.h>

#include <epan/packet.h>

#include "miio_dissector.h"

void proto_register_micloud(void);
void proto_reg_handoff_micloud(void);

void micloud_register_fields(int proto);
/* Draws a dissected body; plain holds the decrypted texts info points at. */
void micloud_draw(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int proto,
                  const micloud_info *info, uint8_t *plain, dissector_handle_t json);

/* micloud-reply.c: the response (a login reply's JSON, or a reply in clear,
 * decrypted or inflated, its JSON dissected); the JSON text's tvb, NULL when
 * there is none (*no_key: because no key is known). */
void micloud_reply_register(int proto);
tvbuff_t *micloud_add_reply(proto_tree *tree, proto_item *top, tvbuff_t *tvb, tvbuff_t *ptvb,
                            packet_info *pinfo, const micloud_info *info, dissector_handle_t json,
                            bool *no_key);

/* micloud-push.c: the Xiaomi Home cloud's MQTT pushes, by topic. */
void micloud_push_register(int proto);
void micloud_push_handoff(void);

#endif /* MICLOUD_SHIM_H */
