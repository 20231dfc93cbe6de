/*
 * miio-tree.h - the parts of a miIO frame's tree that miio-tree.c and
 * miio-short-tree.c share.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIIO_TREE_H
#define MIIO_TREE_H

#include <epan/packet.h>

#include "miio-shim.h"

/* The checksum, its status and, when it is wrong, the expert info. */
void miio_add_checksum(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                       const miio_frame_info *info);

/* "Key: ..." - which key decrypted the frame and where it came from. */
void miio_add_key_origin(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                         const miio_session *s);

/* Hellos, hello replies, pings, cloud hello, time sync, keep-alives. */
void miio_tree_short_frame(tvbuff_t *tvb, packet_info *pinfo, proto_item *miio_item,
                           proto_tree *tree, const miio_frame_info *info);

/* miio-ha-lan.c: the Xiaomi Home integration's probe and its reply, and the
 * 64-bit device id it packs into bytes 4..11. */
void miio_ha_register(int proto);
void miio_ha_lan_frame(tvbuff_t *tvb, packet_info *pinfo, proto_item *miio_item, proto_tree *tree,
                       const miio_frame_info *info);
void miio_ha_add_device_id64(tvbuff_t *tvb, proto_tree *tree, const miio_frame_info *info);

#endif /* MIIO_TREE_H */
