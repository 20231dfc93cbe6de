/*
 * json-sub.h - decrypted JSON handed to Wireshark's JSON dissector for its
 * tree, with the columns left as the plugin wrote them (shared by the
 * Roborock and Mi cloud trees).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIIO_JSON_SUB_H
#define MIIO_JSON_SUB_H

#include <epan/packet.h>

/* Calls the JSON dissector on tvb; it may not rewrite the Info or Protocol
 * column (it would append "JavaScript Object Notation (…)", a label that
 * differs between Wireshark versions, to the plugin's summary). */
void miio_call_json(dissector_handle_t json, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree);

/* The same on tvb[offset, offset+length) when it starts as JSON text does
 * ('{' or '['). */
void miio_call_json_text(dissector_handle_t json, tvbuff_t *tvb, unsigned offset, unsigned length,
                         packet_info *pinfo, proto_tree *tree);

#endif /* MIIO_JSON_SUB_H */
