#!/usr/bin/python3
"""Independent MIoT decoder: the expected values of the dissector's MIoT fields.

    miot_expected.py CAPTURE TOKEN SPEC

CAPTURE is a pcapng (or classic pcap) file of miIO traffic over UDP port
54321 or (to the Mi cloud) 8053, TOKEN the device token (32 hex digits) or
its 16-character cloud key, SPEC a MIoT spec "instance"
JSON document. Prints one JSON object per line (UTF-8), one per UDP frame that
carries MIoT entries, in frame order:

    {"frame": N, "method": "...", "is_reply": bool, "entries": [ENTRY, ...]}

N is 1-based and counts every packet block of the file, as Wireshark does.
"method" is the request's method; for a reply, the method of the request it
answers. Each ENTRY is

    {"kind": "property"|"action"|"event"|"argument",
     "siid": int|null, "iid": int|null, "service": str|null,
     "name": str|null, "description": str|null, "value": str|null,
     "value_description": str|null, "unit": str|null, "code": int|null}

"value" is the raw JSON text of the value as it stands in the payload
(e.g. "2", "false", "23.5", "\\"\\"", "[]"). Arguments have siid null and
service null; their iid is the argument's piid (null if unknown), and their
name/description/unit/value_description come from the property with that piid
in the action's (event's) service.

The decoder is written from the public miIO/MIoT facts only and does not use
the dissector: miIO header (magic 0x2131, length, unknown, device id, stamp,
checksum; big-endian; 32 bytes), AES-128-CBC with key MD5(token) and IV
MD5(key || token), PKCS#7 padding, JSON plaintext perhaps followed by NULs.

Which frames carry entries (the contract the dissector implements):
  requests  get_properties (one property per element, no value),
            set_properties / properties_changed (one property per element,
            with value), action (an action, then its "in" arguments),
            event_occured (an event, then its "arguments");
  replies   ("result", no "method"; linked to the latest earlier request with
            the same "id" and the same device id) to get_properties /
            set_properties whose result is a list of objects (one property
            per object, siid/piid from the object or else from the request's
            element at the same position, value and code if present), and to
            action whose result is an object with "code" (an action with that
            code, then its "out" arguments). Nothing else.

Only Debian's python3 with python3-dpkt and python3-cryptography.
"""

import hashlib
import json
import re
import struct
import sys

import dpkt
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MIIO_PORTS = (54321, 8053)
MIIO_MAGIC = 0x2131
HEADER_LEN = 32

# ---------------------------------------------------------------------------
# Capture files


LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_RAW_OPENBSD = 12
LINKTYPE_RAW_BSDOS = 14
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276


def read_packets(path):
    """Yields (frame number, linktype, bytes) for every packet of the file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        return
    magic = data[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        yield from _read_pcapng(data)
    else:
        yield from _read_pcap(data)


def _read_pcap(data):
    magic_le = struct.unpack_from("<I", data, 0)[0]
    if magic_le in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif struct.unpack_from(">I", data, 0)[0] in (0xA1B2C3D4, 0xA1B23C4D):
        e = ">"
    else:
        raise ValueError("not a pcap or pcapng file")
    linktype = struct.unpack_from(e + "I", data, 20)[0] & 0x0FFFFFFF
    at, frame = 24, 0
    while at + 16 <= len(data):
        incl = struct.unpack_from(e + "I", data, at + 8)[0]
        frame += 1
        yield frame, linktype, data[at + 16:at + 16 + incl]
        at += 16 + incl


def _read_pcapng(data):
    at, frame = 0, 0
    e = "<"
    interfaces = []
    while at + 12 <= len(data):
        btype = struct.unpack_from(e + "I", data, at)[0]
        if btype == 0x0A0D0D0A:  # section header: byte order, new interfaces
            bom = data[at + 8:at + 12]
            e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            interfaces = []
        blen = struct.unpack_from(e + "I", data, at + 4)[0]
        if blen < 12:
            break
        body = data[at + 8:at + blen - 4]
        if btype == 0x00000001:  # interface description
            interfaces.append(struct.unpack_from(e + "H", body, 0)[0])
        elif btype == 0x00000006:  # enhanced packet
            ifid, _, _, caplen, _ = struct.unpack_from(e + "IIIII", body, 0)
            frame += 1
            yield frame, interfaces[ifid], body[20:20 + caplen]
        elif btype == 0x00000002:  # packet (obsolete)
            ifid, _, _, _, caplen, _ = struct.unpack_from(e + "HHIIII", body, 0)
            frame += 1
            yield frame, interfaces[ifid], body[20:20 + caplen]
        elif btype == 0x00000003:  # simple packet: interface 0, no caplen
            frame += 1
            olen = struct.unpack_from(e + "I", body, 0)[0]
            yield frame, interfaces[0], body[4:4 + olen]
        at += blen


def ip_packet(linktype, buf):
    """The IP layer (dpkt.ip.IP or dpkt.ip6.IP6) of a frame, or None."""
    try:
        if linktype == LINKTYPE_ETHERNET:
            eth = dpkt.ethernet.Ethernet(buf)
            ip = eth.data
        elif linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
            if len(buf) < 4:
                return None
            family = struct.unpack_from("<I" if linktype == LINKTYPE_NULL else ">I", buf, 0)[0]
            if family not in (2, 10, 24, 28, 30):
                family = struct.unpack_from(">I" if linktype == LINKTYPE_NULL else "<I", buf, 0)[0]
            ip = dpkt.ip.IP(buf[4:]) if family == 2 else dpkt.ip6.IP6(buf[4:])
        elif linktype == LINKTYPE_LINUX_SLL:
            ip = _ip_from_ethertype(struct.unpack_from(">H", buf, 14)[0], buf[16:])
        elif linktype == LINKTYPE_LINUX_SLL2:
            ip = _ip_from_ethertype(struct.unpack_from(">H", buf, 0)[0], buf[20:])
        elif linktype in (LINKTYPE_RAW, LINKTYPE_RAW_OPENBSD, LINKTYPE_RAW_BSDOS,
                          LINKTYPE_IPV4, LINKTYPE_IPV6):
            if not buf:
                return None
            ip = dpkt.ip.IP(buf) if buf[0] >> 4 == 4 else dpkt.ip6.IP6(buf)
        else:
            return None
    except (dpkt.UnpackError, struct.error, IndexError):
        return None
    if isinstance(ip, (dpkt.ip.IP, dpkt.ip6.IP6)):
        return ip
    return None


def _ip_from_ethertype(ethertype, buf):
    if ethertype == 0x0800:
        return dpkt.ip.IP(buf)
    if ethertype == 0x86DD:
        return dpkt.ip6.IP6(buf)
    return None


# ---------------------------------------------------------------------------
# miIO


def decrypt(token, ciphertext):
    """The plaintext (str) of a miIO payload, or None."""
    key = hashlib.md5(token).digest()
    iv = hashlib.md5(key + token).digest()
    if not ciphertext or len(ciphertext) % 16:
        return None
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = dec.update(ciphertext) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        return None
    plain = plain.rstrip(b"\x00")
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        return None


# ---------------------------------------------------------------------------
# JSON with the raw text of every value


class Node:
    """A JSON value: its Python value (objects as dicts of Nodes, arrays as
    lists of Nodes, scalars as Python scalars) and its raw text."""

    __slots__ = ("kind", "value", "raw")

    def __init__(self, kind, value, raw):
        self.kind = kind  # "object", "array", "string", "number", "bool", "null"
        self.value = value
        self.raw = raw

    def get(self, key):
        if self.kind == "object":
            return self.value.get(key)
        return None


_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WS = " \t\r\n"


class JsonError(Exception):
    pass


def parse_json(text):
    node, at = _parse_value(text, _skip(text, 0))
    if _skip(text, at) != len(text):
        raise JsonError("trailing data")
    return node


def _skip(text, at):
    while at < len(text) and text[at] in _WS:
        at += 1
    return at


def _parse_value(text, at):
    if at >= len(text):
        raise JsonError("unexpected end")
    c = text[at]
    if c == "{":
        members = {}
        start = at
        at = _skip(text, at + 1)
        if at < len(text) and text[at] == "}":
            return Node("object", members, text[start:at + 1]), at + 1
        while True:
            if at >= len(text) or text[at] != '"':
                raise JsonError("expected key")
            key, at = _parse_value(text, at)
            at = _skip(text, at)
            if at >= len(text) or text[at] != ":":
                raise JsonError("expected :")
            val, at = _parse_value(text, _skip(text, at + 1))
            members[key.value] = val  # the last of duplicated keys wins
            at = _skip(text, at)
            if at < len(text) and text[at] == ",":
                at = _skip(text, at + 1)
                continue
            if at < len(text) and text[at] == "}":
                return Node("object", members, text[start:at + 1]), at + 1
            raise JsonError("expected , or }")
    if c == "[":
        items = []
        start = at
        at = _skip(text, at + 1)
        if at < len(text) and text[at] == "]":
            return Node("array", items, text[start:at + 1]), at + 1
        while True:
            val, at = _parse_value(text, at)
            items.append(val)
            at = _skip(text, at)
            if at < len(text) and text[at] == ",":
                at = _skip(text, at + 1)
                continue
            if at < len(text) and text[at] == "]":
                return Node("array", items, text[start:at + 1]), at + 1
            raise JsonError("expected , or ]")
    if c == '"':
        end = at + 1
        while True:
            if end >= len(text):
                raise JsonError("unterminated string")
            if text[end] == "\\":
                end += 2
                continue
            if text[end] == '"':
                break
            end += 1
        raw = text[at:end + 1]
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise JsonError(str(exc))
        return Node("string", value, raw), end + 1
    for word, value, kind in (("true", True, "bool"), ("false", False, "bool"),
                              ("null", None, "null")):
        if text.startswith(word, at):
            return Node(kind, value, word), at + len(word)
    m = _NUMBER.match(text, at)
    if m:
        raw = m.group(0)
        value = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        return Node("number", value, raw), m.end()
    raise JsonError("unexpected character %r" % c)


# ---------------------------------------------------------------------------
# MIoT spec


def urn_name(urn):
    if not isinstance(urn, str):
        return None
    parts = urn.split(":")
    return parts[3] if len(parts) > 3 else None


class Spec:
    def __init__(self, doc):
        self.services = {}
        for svc in doc.get("services") or []:
            if isinstance(svc, dict) and isinstance(svc.get("iid"), int):
                self.services.setdefault(svc["iid"], svc)

    def _item(self, siid, key, iid):
        svc = self.services.get(siid)
        if svc is None or not isinstance(iid, int) or isinstance(iid, bool):
            return None
        for item in svc.get(key) or []:
            if isinstance(item, dict) and item.get("iid") == iid and not isinstance(item.get("iid"), bool):
                return item
        return None

    def service_name(self, siid):
        svc = self.services.get(siid)
        return urn_name(svc.get("type")) if svc else None

    def prop(self, siid, piid):
        return self._item(siid, "properties", piid)

    def action(self, siid, aiid):
        return self._item(siid, "actions", aiid)

    def event(self, siid, eiid):
        return self._item(siid, "events", eiid)


def as_int(node):
    if node is not None and node.kind == "number" and isinstance(node.value, int):
        return node.value
    return None


def value_description(prop, node):
    if prop is None or node is None or node.kind != "number":
        return None
    for entry in prop.get("value-list") or []:
        if not isinstance(entry, dict):
            continue
        v = entry.get("value")
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v == node.value:
            d = entry.get("description")
            return d if isinstance(d, str) else None
    return None


def unit_of(prop):
    if prop is None:
        return None
    unit = prop.get("unit")
    if not isinstance(unit, str) or unit == "none":
        return None
    return unit


def entry(kind, siid, iid, service, item, value_node, prop, code):
    """One output entry. item: the spec item named (property/action/event);
    prop: the property that describes the value (value list, unit)."""
    return {
        "kind": kind,
        "siid": siid,
        "iid": iid,
        "service": service,
        "name": urn_name(item.get("type")) if item else None,
        "description": item.get("description") if item and isinstance(item.get("description"), str) else None,
        "value": value_node.raw if value_node is not None else None,
        "value_description": value_description(prop, value_node),
        "unit": unit_of(prop),
        "code": code,
    }


def property_entry(spec, siid, piid, value_node, code):
    prop = spec.prop(siid, piid)
    return entry("property", siid, piid, spec.service_name(siid), prop,
                 value_node, prop, code)


def argument_entries(spec, siid, items, spec_piids):
    """ARGUMENT entries for a list of argument nodes. An element that is an
    object with piid/value gives those; otherwise the piid is spec_piids[i]
    and the value the element itself."""
    out = []
    for i, node in enumerate(items):
        if node.kind == "object" and ("piid" in node.value or "value" in node.value):
            piid = as_int(node.get("piid"))
            value_node = node.get("value")
        else:
            piid = None
            if i < len(spec_piids) and isinstance(spec_piids[i], int) and not isinstance(spec_piids[i], bool):
                piid = spec_piids[i]
            value_node = node
        prop = spec.prop(siid, piid) if piid is not None else None
        out.append(entry("argument", None, piid, None, prop, value_node, prop, None))
    return out


def spec_list(item, key):
    if item is None:
        return []
    lst = item.get(key)
    return lst if isinstance(lst, list) else []


# ---------------------------------------------------------------------------
# Requests and replies


def request_entries(spec, method, params):
    """(entries, items) of a request: items is what a reply needs to know
    (the request's property (siid, piid) list, or the action's (siid, aiid))."""
    if params is None:
        return [], None
    if method in ("get_properties", "set_properties", "properties_changed"):
        if params.kind != "array":
            return [], None
        entries, items = [], []
        for p in params.value:
            if p.kind != "object":
                items.append((None, None))
                continue
            siid, piid = as_int(p.get("siid")), as_int(p.get("piid"))
            items.append((siid, piid))
            value_node = None if method == "get_properties" else p.get("value")
            entries.append(property_entry(spec, siid, piid, value_node, None))
        return entries, items
    if method == "action":
        if params.kind != "object":
            return [], None
        siid, aiid = as_int(params.get("siid")), as_int(params.get("aiid"))
        act = spec.action(siid, aiid)
        entries = [entry("action", siid, aiid, spec.service_name(siid), act, None, None, None)]
        ins = params.get("in")
        if ins is not None and ins.kind == "array":
            entries += argument_entries(spec, siid, ins.value, spec_list(act, "in"))
        return entries, (siid, aiid)
    if method == "event_occured":
        if params.kind != "object":
            return [], None
        siid, eiid = as_int(params.get("siid")), as_int(params.get("eiid"))
        ev = spec.event(siid, eiid)
        entries = [entry("event", siid, eiid, spec.service_name(siid), ev, None, None, None)]
        args = params.get("arguments")
        if args is not None and args.kind == "array":
            entries += argument_entries(spec, siid, args.value, spec_list(ev, "arguments"))
        return entries, (siid, eiid)
    return [], None


def reply_entries(spec, method, items, result):
    if method in ("get_properties", "set_properties"):
        if result.kind != "array" or not result.value:
            return []
        if not all(r.kind == "object" for r in result.value):
            return []
        entries = []
        for i, r in enumerate(result.value):
            req = items[i] if items and i < len(items) else (None, None)
            siid = as_int(r.get("siid")) if "siid" in r.value else req[0]
            piid = as_int(r.get("piid")) if "piid" in r.value else req[1]
            entries.append(property_entry(spec, siid, piid, r.get("value"), as_int(r.get("code"))))
        return entries
    if method == "action":
        if result.kind != "object" or "code" not in result.value:
            return []
        siid, aiid = items if items else (None, None)
        act = spec.action(siid, aiid)
        entries = [entry("action", siid, aiid, spec.service_name(siid), act, None, None,
                         as_int(result.get("code")))]
        outs = result.get("out")
        if outs is not None and outs.kind == "array":
            entries += argument_entries(spec, siid, outs.value, spec_list(act, "out"))
        return entries
    return []


def decode(capture, token, spec):
    requests = {}  # (device id, JSON id) -> (method, items) of the latest request
    for frame, linktype, buf in read_packets(capture):
        ip = ip_packet(linktype, buf)
        if ip is None or not isinstance(ip.data, dpkt.udp.UDP):
            continue
        udp = ip.data
        if udp.sport not in MIIO_PORTS and udp.dport not in MIIO_PORTS:
            continue
        data = bytes(udp.data)
        if len(data) <= HEADER_LEN:
            continue
        magic, length, _, device_id, _ = struct.unpack_from(">HHIII", data, 0)
        if magic != MIIO_MAGIC or length <= HEADER_LEN or length > len(data):
            continue
        text = decrypt(token, data[HEADER_LEN:length])
        if text is None:
            continue
        try:
            msg = parse_json(text)
        except (JsonError, RecursionError):
            continue
        if msg.kind != "object":
            continue
        msg_id = msg.get("id")
        key = (device_id, msg_id.raw if msg_id is not None else None)
        method = msg.get("method")
        if method is not None:
            if method.kind != "string":
                continue
            entries, items = request_entries(spec, method.value, msg.get("params"))
            if msg_id is not None:
                requests[key] = (method.value, items)
            if entries:
                yield {"frame": frame, "method": method.value, "is_reply": False,
                       "entries": entries}
            continue
        result = msg.get("result")
        if result is None or msg_id is None or key not in requests:
            continue
        req_method, items = requests[key]
        entries = reply_entries(spec, req_method, items, result)
        if entries:
            yield {"frame": frame, "method": req_method, "is_reply": True,
                   "entries": entries}


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: miot_expected.py CAPTURE TOKEN SPEC\n")
        return 2
    capture, token_hex, spec_path = argv[1:]
    # A cloud key (16 characters) is used as the token is.
    token = token_hex.encode() if len(token_hex) == 16 else bytes.fromhex(token_hex)
    if len(token) != 16:
        sys.stderr.write("the token must be 32 hex digits or a 16-character cloud key\n")
        return 2
    with open(spec_path, encoding="utf-8") as f:
        spec = Spec(json.load(f))
    out = sys.stdout.buffer
    for obj in decode(capture, token, spec):
        out.write(json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
