"""Every Roborock frame form python-roborock can produce, each request answered.

For tests/captures/roborock-forms.pcapng: every version x direction x protocol
number that python-roborock's own encoders make, on real loopback sockets,
with every request answered by a reply whose id / msgId matches (A01 has no
id: a reply answers the request before it), and the empty payloads its
MessageParser.build makes from payload=b"":

- local TCP 58867, a `1.0` device on 127.0.0.25 and an `L01` device on
  127.0.0.26, client python-roborock's LocalChannel (hello 0 and ping 2 as it
  sends them: header + CRC32) and its V1 RpcChannel (general request 4 as the
  local strategy of V1Channel encodes it, and RPC request 101 by the same
  RequestMessage.encode_message); the device answers with frames built by
  MessageParser.build: hello response 1 ("ok", as python-roborock's e2e
  tests), ping response 3 with payload=b"" (1.0: payload length 0; L01: only
  the 16-byte GCM tag), the reply to 4 as protocol 4, a push as protocol 5
  (python-roborock's V1 simulator pushes with GENERAL_RESPONSE), the reply to
  101 as protocol 102 in the form of python-roborock's V1 simulator
  (roborock.testing.v1_simulator: {"id","result","error":null}, seq = id);
- MQTT through mosquitto 127.0.0.1:1883, client python-roborock's
  RoborockMqttSession + MqttChannel, topics rr/m/i/<rriot u>/<user>/<duid>
  (app -> device) and rr/m/o/... (device -> app):
  `A01`: a query (a01_channel.send_decoded_command with ID_QUERY) and a set,
  each answered as python-roborock's A01 simulator answers
  (roborock.testing.a01_simulator: a01_protocol.encode_mqtt_payload of the
  data points, protocol changed to RPC_RESPONSE);
  `B01` (Q7): requests by b01_q7_protocol.encode_mqtt_payload(Q7RequestMessage)
  (dps 10000 object {method,msgId,params}, a second PKCS#7 layer), replies
  RoborockMessage(RPC_RESPONSE, B01, JSON) through create_mqtt_encoder in
  the reply forms below (B01_REPLY_FORMS), the first as the Q7 reply in
  python-roborock's tests/protocols/testdata/b01_q7_protocol/get_prop.json
  (dps "10001" holding a JSON string with msgId, code, method, data), the
  second as its e2e tests' ResponseBuilder._build_b01_dps (dps "10000"
  holding a JSON string).

Every frame with a payload is built by python-roborock (MessageParser.build /
create_mqtt_encoder / create_local_encoder inside its channels) and every
received frame with a payload is parsed by it (MessageParser.parse /
create_mqtt_decoder); payload-less requests (its hello/ping: header + CRC32)
are read by hand, as its parser cannot read them (see device.py).

Truth rows as the other roborock captures (tests/captures/README.md), plus
`row` (1-based number of the frame row), `answers_row` (the request a
response answers), `rpc_id` (V1 id or B01 msgId, as text), `form`, and for
local frames `device` (the device's address).

Usage: forms.py device TRUTH   (local devices + the MQTT device peer)
       forms.py client TRUTH   (python-roborock's clients)
"""

import asyncio
import json
import logging
import socket
import struct
import sys
import time

import aiomqtt
from Crypto.Cipher import AES
from Crypto.Util.Padding import unpad

from roborock.data import RRiot
from roborock.devices.rpc import a01_channel, b01_q7_channel
from roborock.devices.rpc.b01_q7_channel import B01Q7Channel
from roborock.devices.rpc.v1_channel import RpcChannel, RpcStrategy
from roborock.devices.transport.local_channel import LocalChannel
from roborock.devices.transport.mqtt_channel import MqttChannel
from roborock.exceptions import RoborockException
from roborock.mqtt.roborock_session import create_mqtt_session
from roborock.protocol import MessageParser, create_mqtt_decoder, create_mqtt_encoder, create_mqtt_params
from roborock.protocols import a01_protocol
from roborock.protocols.b01_q7_protocol import B01_Q7_DPS, MapKey, Q7RequestMessage, decode_rpc_response as b01_decode
from roborock.protocols.v1_protocol import LocalProtocolVersion, decode_rpc_response
from roborock.roborock_message import RoborockDyadDataProtocol as Dyad
from roborock.roborock_message import RoborockMessage
from roborock.roborock_message import RoborockMessageProtocol as P
from roborock.util import RoborockLoggerAdapter

from common import RRIOT, Truth, header_fields, payload_less_info, payload_view
from device import STATUS

DEVICES = {
    "forms-v1": {"duid": "rrFormsV1Local7Hn2Kp4Q", "local_key": "Fv1Lk3Mn5Bv7Cx9Z", "ip": "127.0.0.25", "speaks": "1.0"},
    "forms-l01": {"duid": "rrFormsL01Loc8Jm3Rt6W", "local_key": "Gl0Pq2Wo4Ei6Ru8T", "ip": "127.0.0.26", "speaks": "L01"},
    "forms-a01": {"duid": "rrFormsA01Dyad9Sx4Vb1", "local_key": "Ha1Zx3Cv5Bn7Mq9W", "transport": "mqtt"},
    "forms-b01": {"duid": "rrFormsB01Q7Lk2Pn5Tg8", "local_key": "Jb0Ws2Ed4Rf6Tg8Y", "transport": "mqtt"},
}
MQTT_DEVICE_BIND = "127.0.0.35"

# The B01 reply forms, in the order the B01 requests arrive.
B01_REPLY_FORMS = [
    "dps 10001 JSON string {msgId,code,method,data} (Q7 device form, python-roborock testdata get_prop.json)",
    "dps 10000 JSON string {msgId,data,code} (python-roborock e2e ResponseBuilder._build_b01_dps)",
    "dps 10001 object {msgId,code,method,data}",
    "dps 10000 object {msgId,code,data}",
    "dps 10001 JSON string {msgId,code,method,data} with nonzero code (error)",
]


def compact(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


class Rows:
    """The truth file's frame rows, numbered."""

    def __init__(self, path):
        self.truth = Truth(path)
        self.n = 0

    def frame(self, **row) -> int:
        self.n += 1
        self.truth.write(kind="frame", row=self.n, **row)
        return self.n


# ---------------------------------------------------------------- local TCP device
class LocalDevice(asyncio.Protocol):
    def __init__(self, name, rows: Rows):
        dev = DEVICES[name]
        self.name, self.key, self.mode = name, dev["local_key"], dev["speaks"].encode()
        self.address = f"{dev['ip']}:58867"
        self.rows = rows
        self.buf, self.rx, self.tx = b"", 0, 0
        self.connect_nonce = self.ack_nonce = None
        self.counter = 0

    def connection_made(self, transport):
        self.transport = transport
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.peer = "%s:%d" % transport.get_extra_info("peername")

    def _row(self, direction, frame, offset, **extra) -> int:
        return self.rows.frame(direction=direction, client=self.peer, device=self.address, stream_offset=offset,
                               length=len(frame) + 4, **header_fields(frame), **extra, frame_hex=frame.hex())

    def _random(self):
        self.counter += 1
        return (0x5A000000 if self.mode == b"1.0" else 0x6B000000) + self.counter * 104723

    def send(self, m: RoborockMessage, answers: int | None, form: str, rpc_id=None):
        raw = MessageParser.build(m, local_key=self.key, connect_nonce=self.connect_nonce,
                                  ack_nonce=None if m.protocol == P.HELLO_RESPONSE else self.ack_nonce)
        extra = {"answers_row": answers} if answers else {}
        if rpc_id is not None:
            extra["rpc_id"] = str(rpc_id)
        row = self._row("from_device", raw[4:], self.tx, built_by="MessageParser.build", form=form,
                        **payload_view(m.version.decode(), m.payload), **extra)
        self.tx += len(raw)
        self.transport.write(raw)
        return row

    def message(self, protocol, seq, payload) -> RoborockMessage:
        if isinstance(payload, (dict, list)):
            payload = compact(payload).encode()
        return RoborockMessage(protocol=protocol, seq=seq, random=self._random(), version=self.mode,
                               timestamp=int(time.time()), payload=payload)

    def data_received(self, data):
        self.buf += data
        while len(self.buf) >= 4:
            (n,) = struct.unpack(">I", self.buf[:4])
            if len(self.buf) < 4 + n:
                break
            raw, self.buf = self.buf[: 4 + n], self.buf[4 + n :]
            off, self.rx = self.rx, self.rx + 4 + n
            self.on_frame(raw, off)

    def on_frame(self, raw, off):
        frame = raw[4:]
        f = header_fields(frame)
        version, proto, seq = frame[:3], f["protocol"], f["seq"]
        if proto in (P.HELLO_REQUEST, P.PING_REQUEST) and len(frame) in (17, 21):
            what = "hello request" if proto == P.HELLO_REQUEST else "ping request"
            row = self._row("to_device", frame, off, parsed_by="hand", form=f"{what}: header + CRC32 (payload None)",
                            **payload_less_info(frame))
            if version != self.mode:
                return
            if proto == P.HELLO_REQUEST:
                self.connect_nonce, self.ack_nonce = f["random"], None
                hello = self.message(P.HELLO_RESPONSE, seq, b"ok")
                self.send(hello, row, "hello response, payload \"ok\"")
                self.ack_nonce = hello.random
            else:
                note = ("payload=b\"\": payload length 0, no ciphertext (python-roborock's parser returns payload None "
                        "and leaves the CRC's last 2 bytes unread)" if self.mode == b"1.0" else
                        "payload=b\"\": AES-256-GCM of nothing, the payload is only the 16-byte tag (python-roborock's "
                        "parser returns b\"\" and does not read the CRC)")
                self.send(self.message(P.PING_RESPONSE, seq, b""), row, "ping response, empty payload: " + note)
            return
        [msg], _ = MessageParser.parse(raw, local_key=self.key, connect_nonce=self.connect_nonce, ack_nonce=self.ack_nonce)
        inner = json.loads(json.loads(msg.payload)["dps"]["101"])
        rid, method = inner["id"], inner["method"]
        row = self._row("to_device", frame, off, parsed_by="MessageParser.parse", rpc_id=str(rid),
                        form=f"{'general' if proto == P.GENERAL_REQUEST else 'RPC'} request: dps 101 JSON string "
                             "(RequestMessage.encode_message)",
                        **payload_view(msg.version.decode(), msg.payload))
        t = int(time.time())
        if proto == P.GENERAL_REQUEST:
            # as device.py: the reply travels as protocol 4, then a push (protocol 5) of data points
            reply = {"t": t, "dps": {"102": compact({"id": rid, "result": [STATUS] if method == "get_status" else ["ok"]})}}
            self.send(self.message(P.GENERAL_REQUEST, seq, reply), row,
                      "general request (4) as reply: dps 102 JSON string {id,result}", rpc_id=rid)
            push = {"dps": {"121": 8, "122": 100}, "t": t}
            asyncio.get_running_loop().call_later(
                0.05, lambda: self.send(self.message(P.GENERAL_RESPONSE, seq + 1, push), None,
                                        "general response (5): pushed data points (no request)"))
        else:
            # python-roborock's V1 simulator: RPC_RESPONSE, seq = the request id, error null
            reply = {"dps": {"102": json.dumps({"id": rid, "result": ["ok"], "error": None})}, "t": t}
            self.send(self.message(P.RPC_RESPONSE, rid, reply), row,
                      "RPC response (102): dps 102 JSON string {id,result,error:null} (roborock.testing.v1_simulator)",
                      rpc_id=rid)


# ---------------------------------------------------------------- MQTT device
def mqtt_row(rows, direction, topic, frame, msg, how, **extra):
    return rows.frame(direction=direction, topic=topic, length=len(frame), **header_fields(frame),
                      **{how: "create_mqtt_encoder" if how == "built_by" else "create_mqtt_decoder"},
                      **payload_view(msg.version.decode(), msg.payload), **extra, frame_hex=frame.hex())


def a01_reply(msg):
    """As python-roborock's A01 simulator: the asked (or set) data points, pushed as RPC_RESPONSE."""
    dps = json.loads(unpad(msg.payload, AES.block_size))["dps"]
    values = {201: 3, 209: 87, 214: 450}
    if "10000" in dps:
        data = {int(c): values[int(c)] for c in json.loads(dps["10000"])}
        form = "A01 reply (102) to a query: a01_protocol.encode_mqtt_payload of the asked data points"
    else:
        data = {int(c): v for c, v in dps.items()}
        form = "A01 reply (102) to a set: a01_protocol.encode_mqtt_payload of the set data points"
    reply = a01_protocol.encode_mqtt_payload(data)
    reply.protocol = P.RPC_RESPONSE
    return reply, form, None


def b01_reply(msg, n):
    """The n-th B01 request's reply, in form B01_REPLY_FORMS[n]."""
    req = json.loads(unpad(msg.payload, AES.block_size))["dps"][str(B01_Q7_DPS)]
    msg_id, method = req["msgId"], req["method"]
    values = {"status": 8, "quantity": 96, "wind": 2, "water": 1, "fault": 0}
    data = {p: values.get(p, 0) for p in req["params"]["property"]} if method == "prop.get" else "ok"
    t = int(time.time())
    if n == 0:
        body = compact({"t": t, "dps": {"10001": compact({"msgId": msg_id, "code": 0, "method": method, "data": data})}})
    elif n == 1:
        body = json.dumps({"dps": {"10000": json.dumps({"msgId": msg_id, "data": data, "code": 0})}})
    elif n == 2:
        body = compact({"t": t, "dps": {"10001": {"msgId": msg_id, "code": 0, "method": method, "data": data}}})
    elif n == 3:
        body = compact({"dps": {"10000": {"msgId": msg_id, "code": 0, "data": data}}})
    else:
        body = compact({"t": t, "dps": {"10001": compact({"msgId": msg_id, "code": 10007, "method": method,
                                                               "data": {}})}})
    reply = RoborockMessage(protocol=P.RPC_RESPONSE, version=b"B01", payload=body.encode())
    return reply, "B01 reply (102): " + B01_REPLY_FORMS[n], msg_id


async def mqtt_device(rows: Rows):
    by_duid = {d["duid"]: d for d in DEVICES.values() if d.get("transport") == "mqtt"}
    seq, b01_count = 0, 0
    async with aiomqtt.Client("127.0.0.1", 1883, identifier="roborock-forms-devices", bind_address=MQTT_DEVICE_BIND,
                              protocol=aiomqtt.ProtocolVersion.V311) as client:
        await client.subscribe("rr/m/i/#")
        print("mqtt ready", flush=True)
        async for m in client.messages:
            topic = str(m.topic)
            key = by_duid[topic.rsplit("/", 1)[1]]["local_key"]
            frame = bytes(m.payload)
            [msg] = create_mqtt_decoder(key)(frame)
            if msg.version == b"A01":
                reply, form, rpc_id = a01_reply(msg)
                req_form = "A01 request (101): a01_protocol.encode_mqtt_payload"
            else:
                reply, form, rpc_id = b01_reply(msg, b01_count)
                b01_count += 1
                req_form = "B01 request (101): dps 10000 object {method,msgId,params} (b01_q7_protocol.encode_mqtt_payload)"
            extra = {"rpc_id": rpc_id} if rpc_id else {}
            row = mqtt_row(rows, "to_device", topic, frame, msg, "parsed_by", form=req_form, **extra)
            seq += 1
            reply.seq, reply.random, reply.timestamp = 810000 + seq, 0x42000000 + seq * 7907, int(time.time())
            out_topic = topic.replace("rr/m/i/", "rr/m/o/", 1)
            data = create_mqtt_encoder(key)(reply)
            mqtt_row(rows, "from_device", out_topic, data, reply, "built_by", form=form, answers_row=row, **extra)
            await client.publish(out_topic, data)


async def device(truth_path):
    rows = Rows(truth_path)
    for name, d in DEVICES.items():
        where = {"address": f"{d['ip']}:58867", "speaks": d["speaks"]} if "ip" in d else {"transport": "mqtt"}
        rows.truth.write(kind="device", name=name, duid=d["duid"], local_key=d["local_key"], **where)
    loop = asyncio.get_running_loop()
    servers = [await loop.create_server(lambda n=name: LocalDevice(n, rows), DEVICES[name]["ip"], 58867)
               for name in ("forms-v1", "forms-l01")]
    print("local ready", flush=True)
    try:
        await mqtt_device(rows)
    finally:
        for s in servers:
            s.close()


# ---------------------------------------------------------------- clients
async def local_client(truth, name):
    dev = DEVICES[name]
    channel = LocalChannel(dev["ip"], dev["local_key"], dev["duid"])
    if dev["speaks"] == "L01":
        # what LocalChannel remembers after a successful L01 hello: try L01 first
        channel._local_protocol_version = LocalProtocolVersion.L01
    await channel.connect()
    truth.write(kind="call", device=name, method="@connect", negotiated_version=str(channel.protocol_version))
    await channel._ping()  # what its keep-alive loop does every 10 s
    truth.write(kind="call", device=name, method="@ping", result="pong")
    logger = RoborockLoggerAdapter(duid=dev["duid"], logger=logging.getLogger("client"))

    def rpc(protocol):
        return RpcChannel(lambda: [RpcStrategy(
            name="local", channel=channel, decoder=decode_rpc_response,
            encoder=lambda x: x.encode_message(protocol, version=channel.protocol_version))], logger)

    for protocol, method in ((P.GENERAL_REQUEST, "get_status"), (P.RPC_REQUEST, "app_start")):
        try:
            result = await rpc(protocol).send_command(method)
            truth.write(kind="call", device=name, method=method, protocol=int(protocol), result=result)
        except RoborockException as e:
            truth.write(kind="call", device=name, method=method, protocol=int(protocol), error=f"{type(e).__name__}: {e}")
        await asyncio.sleep(0.2)
    channel.close()
    await asyncio.sleep(0.2)


async def mqtt_client(truth):
    rriot = RRiot.from_dict(RRIOT)
    params = create_mqtt_params(rriot)
    truth.write(kind="mqtt_account", rriot_u=rriot.u, mqtt_username=params.username,
                broker=f"{params.host}:{params.port}", tls=params.tls)
    session = await create_mqtt_session(params)

    def channel(name):
        d = DEVICES[name]
        return MqttChannel(session, d["duid"], d["local_key"], rriot, params)

    async def record(device, method, params_, coro, **extra):
        try:
            result = await coro
            truth.write(kind="call", device=device, method=method, params=params_, result=result, **extra)
        except RoborockException as e:
            truth.write(kind="call", device=device, method=method, params=params_, error=f"{type(e).__name__}: {e}",
                        **extra)
        await asyncio.sleep(0.3)

    a01 = channel("forms-a01")
    q = [Dyad.STATUS, Dyad.POWER, Dyad.MESH_LEFT]
    await record("forms-a01", "a01 query", [int(x) for x in q],
                 a01_channel.send_decoded_command(a01, {Dyad.ID_QUERY: q}, value_encoder=json.dumps))
    await record("forms-a01", "a01 set", {int(Dyad.WARM_LEVEL): 2},
                 a01_channel.send_decoded_command(a01, {Dyad.WARM_LEVEL: 2}),
                 note="send_decoded_command does not wait for a set's reply; the device answers it anyway")

    mqtt_b01 = channel("forms-b01")
    b01 = B01Q7Channel(mqtt_b01, MapKey(key=b"0123456789abcdef"))
    props = {"property": ["status", "quantity", "wind"]}

    def object_reply(request):
        """Matcher for the object forms, which B01Q7Channel.send_command skips (it reads JSON strings only)."""

        def match(response):
            try:
                dps = b01_decode(response)
            except RoborockException:
                return None
            for value in dps.values():
                if isinstance(value, dict) and value.get("msgId") == str(request.msg_id):
                    return value.get("data")
            return None

        return match

    for n, (method, p) in enumerate([("prop.get", props), ("prop.get", props), ("service.find_device", {}),
                                     ("prop.set", {"wind": 3}), ("service.get_room_order", {})]):
        form = B01_REPLY_FORMS[n]
        if "object" in form:
            request = Q7RequestMessage(dps=B01_Q7_DPS, command=method, params=p)
            coro = b01_q7_channel._send_command(mqtt_b01, request, response_matcher=object_reply(request))
            how = "b01_q7_channel._send_command with a matcher for object dps values"
        else:
            coro = b01.send_command(method, p)
            how = "B01Q7Channel.send_command"
        await record("forms-b01", method, p, coro, reply_form=form, sent_by=how)
    await asyncio.sleep(0.5)
    await session.close()


async def client(truth_path):
    truth = Truth(truth_path)
    await local_client(truth, "forms-v1")
    await local_client(truth, "forms-l01")
    await mqtt_client(truth)


if __name__ == "__main__":
    try:
        asyncio.run({"device": device, "client": client}[sys.argv[1]](sys.argv[2]))
    except KeyboardInterrupt:
        pass
