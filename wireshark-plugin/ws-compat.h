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

/* What a media_type dissector is told about its body: 4.0's
 * http_message_info_t, 4.2+'s media_content_info_t; both start with the
 * container type, request 0 and response 1. */
#if MIIO_WS_AT_LEAST(4, 2)
#include <epan/dissectors/packet-media-type.h>
#define MIIO_MEDIA_IS_REQUEST(data) ((data) && ((media_content_info_t *)(data))->type == MEDIA_CONTAINER_HTTP_REQUEST)
#define MIIO_MEDIA_IS_RESPONSE(data) ((data) && ((media_content_info_t *)(data))->type == MEDIA_CONTAINER_HTTP_RESPONSE)
#else
#include <epan/dissectors/packet-http.h>
#define MIIO_MEDIA_IS_REQUEST(data) ((data) && ((http_message_info_t *)(data))->type == HTTP_REQUEST)
#define MIIO_MEDIA_IS_RESPONSE(data) ((data) && ((http_message_info_t *)(data))->type == HTTP_RESPONSE)
#endif

#endif /* MIIO_WS_COMPAT_H */
