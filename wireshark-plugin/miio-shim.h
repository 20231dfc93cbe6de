/*
 * miio-shim.h - declarations shared by the C files of the Wireshark shim.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIIO_SHIM_H
#define MIIO_SHIM_H

#include <epan/packet.h>
#include <epan/prefs.h>

/* packet-miio.c */
void proto_register_miio(void);
void proto_reg_handoff_miio(void);

/* miio-keys-uat.c: the "miio_keys" preference table, feeding the Rust key store. */
void miio_keys_uat_register(module_t *miio_module);

#endif /* MIIO_SHIM_H */
