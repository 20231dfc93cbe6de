/*
 * text-item.h - text the core has checked to be valid UTF-8, added as an
 * FT_STRING item cheaply (shared by the miIO and Roborock trees).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIIO_TEXT_ITEM_H
#define MIIO_TEXT_ITEM_H

#include <stdbool.h>

#include <epan/packet.h>

/* Adds tvb[offset, offset+length), valid UTF-8, as the string field hf. */
proto_item *miio_add_utf8_text(proto_tree *tree, packet_info *pinfo, int hf, tvbuff_t *tvb,
                               unsigned offset, unsigned length);

/* The same when the core says the text is UTF-8 (utf8), else Wireshark's
 * own ENC_UTF_8 item, which marks the bytes that are not. */
proto_item *miio_add_text(proto_tree *tree, packet_info *pinfo, int hf, tvbuff_t *tvb,
                          unsigned offset, unsigned length, bool utf8);

#endif /* MIIO_TEXT_ITEM_H */
