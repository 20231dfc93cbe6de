"""A Roborock device on local TCP 58867 (version 1.0 or L01), for captures.

Frames with a payload are built with python-roborock's MessageParser.build and
received frames are parsed with MessageParser.parse, as python-roborock's own
e2e tests do (tests/e2e/test_local_session.py, test_device_manager.py). Two
things python-roborock cannot do are done by hand and marked in the truth
file (`built_by`/`parsed_by`):
- its parser cannot parse the payload-less frames its own client sends
  (17-byte header + CRC32: it reads the CRC's first two bytes as a payload
  length), so hello and ping requests are read by hand;
- a payload-less frame built by MessageParser.build (header + CRC32) cannot be
  parsed by its client and blocks the client's stream decoder, so ping
  responses are written the way ioBroker.roborock says devices send them: the
  bare 17-byte header (length prefix 17), or the header + a u32 return code 0
  (length prefix 21). The hello response carries the payload "ok", as in
  python-roborock's e2e tests.

Usage: device.py --ip 127.0.0.21 --name v1 --mode 1.0|L01 --truth FILE
"""

import argparse
import asyncio
import gzip
import json
import socket
import struct
import time
import zlib

from roborock.protocol import MessageParser, Utils
from roborock.roborock_message import RoborockMessage, RoborockMessageProtocol as P

from common import DEVICES, Truth, header_fields, payload_less_info, payload_view

STATUS = {
    "msg_ver": 2, "msg_seq": 458, "state": 8, "battery": 100, "clean_time": 1176, "clean_area": 20965000,
    "error_code": 0, "map_present": 1, "in_cleaning": 0, "in_returning": 0, "in_fresh_state": 1,
    "lab_status": 1, "water_box_status": 1, "fan_power": 102, "dnd_enabled": 0, "map_status": 3,
    "is_locating": 0, "lock_status": 0, "water_box_mode": 203, "water_box_carriage_status": 1,
    "mop_forbidden_enable": 1, "mop_mode": 300, "charge_status": 1, "dock_type": 3,
}
CONSUMABLE = {
    "main_brush_work_time": 74382, "side_brush_work_time": 74382, "filter_work_time": 74382,
    "filter_element_work_time": 0, "sensor_dirty_time": 74382, "strainer_work_times": 65,
    "dust_collection_work_times": 25, "cleaning_brush_work_times": 65,
}


def fake_map() -> bytes:
    """Deterministic stand-in for a map blob (starts like a real one, 'rr')."""
    head = b"rr" + struct.pack("<HII", 0x14, 0x2000, 1) + b"\x00" * 8
    body = bytes((i * 7 + (i >> 5)) & 0xFF for i in range(3000))
    return head + body


class DeviceConn(asyncio.Protocol):
    def __init__(self, args, truth: Truth):
        dev = DEVICES[args.name]
        self.key = dev["local_key"]
        self.mode = args.mode.encode()
        self.truth = truth
        self.buf = b""
        self.rx = 0  # stream offset of the next received frame
        self.tx = 0  # stream offset of the next sent frame
        self.connect_nonce = None
        self.ack_nonce = None
        self.seq = 0
        self.pings = 0
        self.random_base = (zlib.crc32(args.name.encode()) & 0x7F000000) | 0x00A00000
        self.ignore_v1_hello = args.mode == "L01"

    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.peer = "%s:%d" % transport.get_extra_info("peername")

    # ---- output -------------------------------------------------------
    def _row(self, direction, frame_bytes, offset, fields, **extra):
        self.truth.write(kind="frame", direction=direction, client=self.peer, stream_offset=offset,
                         length=len(frame_bytes) + 4, **fields, **extra, frame_hex=frame_bytes.hex())

    def send(self, messages: list[RoborockMessage], split_at: int | None = None, note: str | None = None):
        """Build each frame with MessageParser.build and send them in one TCP write.

        (Frames are built one by one and concatenated: MessageParser.build given
        a list leaves 4 NUL bytes between the frames.)
        """
        off, data = self.tx, b""
        for m in messages:
            raw = MessageParser.build(m, local_key=self.key, connect_nonce=self.connect_nonce,
                                      ack_nonce=None if m.protocol == P.HELLO_RESPONSE else self.ack_nonce)
            extra = {"note": note} if note else {}
            if len(messages) > 1:
                extra["frames_in_this_write"] = len(messages)
            if split_at is not None:
                extra["written_in_two_parts_split_at_stream_offset"] = off + split_at
            self._row("from_device", raw[4:], off, header_fields(raw[4:]), built_by="MessageParser.build",
                      **payload_view(m.version.decode(), m.payload), **extra)
            off += len(raw)
            data += raw
        self.tx = off
        if split_at is None:
            self.transport.write(data)
        else:
            self.transport.write(data[:split_at])
            asyncio.get_running_loop().call_later(0.05, self.transport.write, data[split_at:])

    def send_payload_less(self, version: bytes, seq: int, protocol: int, trailer: bytes | None):
        frame = version + struct.pack(">IIIH", seq, self._random(), int(time.time()), protocol)
        if trailer is not None:
            frame += trailer
        self._row("from_device", frame, self.tx, header_fields(frame), built_by="hand",
                  **payload_less_info(frame),
                  note="bare 17-byte header" if trailer is None else "header + u32 return code 0 (not a CRC)")
        self.tx += 4 + len(frame)
        self.transport.write(struct.pack(">I", len(frame)) + frame)

    def _random(self):
        self.seq += 1
        return self.random_base + self.seq * 7919

    def _reply(self, version, seq, protocol, payload: dict | bytes):
        if isinstance(payload, dict):
            payload = json.dumps(payload, separators=(",", ":")).encode()
        return RoborockMessage(protocol=protocol, seq=seq, random=self._random(), version=version,
                               timestamp=int(time.time()), payload=payload)

    # ---- input --------------------------------------------------------
    def data_received(self, data):
        self.buf += data
        while len(self.buf) >= 4:
            (n,) = struct.unpack(">I", self.buf[:4])
            if len(self.buf) < 4 + n:
                break
            raw, self.buf = self.buf[: 4 + n], self.buf[4 + n :]
            off, self.rx = self.rx, self.rx + 4 + n
            self.on_frame(raw, off)

    def on_frame(self, raw: bytes, off: int):
        frame = raw[4:]
        fields = header_fields(frame)
        version, proto, seq = frame[:3], fields["protocol"], fields["seq"]
        if proto in (P.HELLO_REQUEST, P.PING_REQUEST) and len(frame) in (17, 21):
            self._row("to_device", frame, off, fields, parsed_by="hand", **payload_less_info(frame))
            if proto == P.HELLO_REQUEST:
                if version != self.mode:
                    self.truth.write(kind="event", client=self.peer,
                                     event=f"device ignores the {version.decode()} hello (speaks {self.mode.decode()} only); the client times out after 5 s and tries the next version")
                    return
                self.connect_nonce = fields["random"]
                self.ack_nonce = None
                hello = self._reply(version, seq, P.HELLO_RESPONSE, b"ok")
                self.send([hello])
                self.ack_nonce = hello.random
            else:
                self.pings += 1
                self.send_payload_less(version, seq, P.PING_RESPONSE, None if self.pings % 2 else b"\0\0\0\0")
            return
        [msg], _ = MessageParser.parse(raw, local_key=self.key, connect_nonce=self.connect_nonce,
                                       ack_nonce=self.ack_nonce)
        self._row("to_device", frame, off, fields, parsed_by="MessageParser.parse",
                  **payload_view(msg.version.decode(), msg.payload))
        if msg.protocol not in (P.GENERAL_REQUEST, P.RPC_REQUEST):
            return
        body = json.loads(msg.payload)
        inner = json.loads(body["dps"]["101"])
        self.on_rpc(msg, inner)

    def on_rpc(self, msg: RoborockMessage, inner: dict):
        rid, method = inner["id"], inner["method"]
        v, t = msg.version, int(time.time())

        def dps(obj):
            return {"t": t, "dps": {"102": json.dumps(obj, separators=(",", ":"))}}

        if method == "get_status":
            self.send([self._reply(v, msg.seq, P.GENERAL_REQUEST, dps({"id": rid, "result": [STATUS]}))])
        elif method == "get_consumable":
            # the reply and a status push (dps 121 state, 122 battery) in one TCP write
            push = {"dps": {"121": 8, "122": 100}, "t": t}
            self.send([self._reply(v, msg.seq, P.GENERAL_REQUEST, dps({"id": rid, "result": [CONSUMABLE]})),
                       self._reply(v, msg.seq + 1, P.GENERAL_RESPONSE, push)],
                      note="two frames in one TCP write")
        elif method in ("app_start", "app_charge", "set_custom_mode"):
            self.send([self._reply(v, msg.seq, P.RPC_RESPONSE, dps({"id": rid, "result": ["ok"]}))])
        elif method == "app_goto_target":
            self.send([self._reply(v, msg.seq, P.RPC_RESPONSE,
                                   dps({"id": rid, "error": {"code": -10007, "message": "invalid status"}}))])
        elif method == "get_map_v1":
            sec = inner["security"]
            nonce = bytes.fromhex(sec["nonce"])
            header = struct.pack("<8s8sH6s", sec["endpoint"].encode()[:8], b"\0" * 8, rid, b"\0" * 6)
            body = header + Utils.encrypt_cbc(gzip.compress(fake_map(), mtime=0), nonce)
            m = self._reply(v, msg.seq, P.MAP_RESPONSE, body)
            # written in two parts, 50 ms apart: one frame across two TCP segments
            self.send([m], split_at=40, note="map: 24-byte header + AES-128-CBC(gzip(map)), key = security.nonce, zero IV; "
                      f"map is {len(fake_map())} bytes, gzip mtime 0")
            self.truth.write(kind="map", request_id=rid, nonce=sec["nonce"], endpoint=sec["endpoint"],
                             map_hex=fake_map().hex())
        else:
            self.send([self._reply(v, msg.seq, P.GENERAL_REQUEST, dps({"id": rid, "result": "unknown_method"}))])


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--mode", choices=["1.0", "L01"], required=True)
    ap.add_argument("--truth", required=True)
    args = ap.parse_args()
    dev = DEVICES[args.name]
    truth = Truth(args.truth)
    truth.write(kind="device", name=args.name, duid=dev["duid"], local_key=dev["local_key"],
                address=f"{dev['ip']}:58867", speaks=args.mode)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: DeviceConn(args, truth), dev["ip"], 58867)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
