/*
 * ws-compat.h - the few places where the epan API differs between the
 * Wireshark versions this plugin supports (4.0 to 4.6).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIIO_WS_COMPAT_H
#define MIIO_WS_COMPAT_H

#include <ws_version.h>

#define MIIO_WS_AT_LEAST(major, minor) \
    (WIRESHARK_VERSION_MAJOR > (major) || \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

/* 4.2 changed callback return types (UAT, heuristic dissectors) from
 * gboolean to bool. */
#if MIIO_WS_AT_LEAST(4, 2)
#include <stdbool.h>
typedef bool miio_bool;
#else
typedef gboolean miio_bool;
#endif

#endif /* MIIO_WS_COMPAT_H */
