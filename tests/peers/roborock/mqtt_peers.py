"""Roborock frames over MQTT through a local plaintext broker (mosquitto, 127.0.0.1:1883).

`client`: python-roborock's own MQTT stack (RoborockMqttSession, MQTT 5, with
MqttParams from its create_mqtt_params for an rriot whose MQTT URL is
tcp://127.0.0.1:1883, so no TLS) and its channels: MqttChannel + the V1 RPC
channel assembled as V1Channel does for MQTT (protocol 101 with security
data; decode_rpc_response, and create_map_response_decoder for the map), the
A01 channel's send_decoded_command and the B01 Q7 channel's send_command.
It publishes on rr/m/i/<rriot.u>/<mqtt user>/<duid> and subscribes
rr/m/o/<rriot.u>/<mqtt user>/<duid>.

`device`: one aiomqtt client (MQTT 3.1.1, from 127.0.0.30) playing the three
devices: it subscribes rr/m/i/#, parses with python-roborock's
create_mqtt_decoder and answers on the rr/m/o/... topic with frames built by
its create_mqtt_encoder (MessageParser.build, no length prefix). (Real
devices talk to the cloud on rr/d/...; the cloud relays. No cloud here.)

Usage: mqtt_peers.py device TRUTH | mqtt_peers.py client TRUTH
"""

import asyncio
import gzip
import json
import sys
import time

import aiomqtt
from Crypto.Cipher import AES
from Crypto.Util.Padding import pad, unpad

from roborock.data import RRiot
from roborock.devices.rpc import a01_channel
from roborock.devices.rpc.b01_q7_channel import B01Q7Channel
from roborock.devices.rpc.v1_channel import RpcChannel, RpcStrategy
from roborock.devices.transport.mqtt_channel import MqttChannel
from roborock.exceptions import RoborockException
from roborock.mqtt.roborock_session import create_mqtt_session
from roborock.protocol import Utils, create_mqtt_decoder, create_mqtt_encoder, create_mqtt_params
from roborock.protocols.b01_q7_protocol import MapKey
from roborock.protocols.v1_protocol import create_map_response_decoder, create_security_data, decode_rpc_response
from roborock.roborock_message import RoborockDyadDataProtocol as Dyad
from roborock.roborock_message import RoborockMessage
from roborock.roborock_message import RoborockMessageProtocol as P
from roborock.util import RoborockLoggerAdapter

import logging
import struct

from common import DEVICES, RRIOT, Truth, header_fields, payload_view
from device import CONSUMABLE, STATUS, fake_map

NAMES = ("mqtt-v1", "mqtt-a01", "mqtt-b01")


def row(truth, direction, topic, frame: bytes, msg: RoborockMessage, how: str, **extra):
    truth.write(kind="frame", direction=direction, topic=topic, length=len(frame), **header_fields(frame),
                **{how: "create_mqtt_encoder" if how == "built_by" else "create_mqtt_decoder"},
                **payload_view(msg.version.decode(), msg.payload), **extra, frame_hex=frame.hex())


async def device(truth_path):
    truth = Truth(truth_path)
    by_duid = {DEVICES[n]["duid"]: DEVICES[n] for n in NAMES}
    for n in NAMES:
        d = DEVICES[n]
        truth.write(kind="device", name=n, duid=d["duid"], local_key=d["local_key"], transport="mqtt")
    seq = 0
    async with aiomqtt.Client("127.0.0.1", 1883, identifier="roborock-devices", bind_address="127.0.0.30",
                              protocol=aiomqtt.ProtocolVersion.V311) as client:
        await client.subscribe("rr/m/i/#")
        print("ready", flush=True)
        async for m in client.messages:
            topic = str(m.topic)
            duid = topic.rsplit("/", 1)[1]
            dev = by_duid[duid]
            key = dev["local_key"]
            frame = bytes(m.payload)
            [msg] = create_mqtt_decoder(key)(frame)
            row(truth, "to_device", topic, frame, msg, "parsed_by")
            out_topic = topic.replace("rr/m/i/", "rr/m/o/", 1)
            replies = reply_to(msg)
            for r in replies:
                seq += 1
                r.seq, r.random, r.timestamp = 700000 + seq, 0x31000000 + seq * 104729, int(time.time())
                data = create_mqtt_encoder(key)(r)
                row(truth, "from_device", out_topic, data, r, "built_by")
                await client.publish(out_topic, data)
                if r.protocol == P.MAP_RESPONSE:
                    truth.write(kind="map", request_id=struct.unpack("<H", r.payload[16:18])[0],
                                map_hex=fake_map().hex())


def reply_to(msg: RoborockMessage) -> list[RoborockMessage]:
    t = int(time.time())
    if msg.version == b"1.0":
        inner = json.loads(json.loads(msg.payload)["dps"]["101"])
        rid, method = inner["id"], inner["method"]

        def dps(obj):
            payload = {"t": t, "dps": {"102": json.dumps(obj, separators=(",", ":"))}}
            return [RoborockMessage(protocol=P.RPC_RESPONSE, payload=json.dumps(payload, separators=(",", ":")).encode())]

        if method == "get_status":
            return dps({"id": rid, "result": [STATUS]})
        if method == "get_consumable":
            return dps({"id": rid, "result": [CONSUMABLE]})
        if method == "app_start":
            return dps({"id": rid, "result": ["ok"]})
        if method == "app_goto_target":
            return dps({"id": rid, "error": {"code": -10007, "message": "invalid status"}})
        if method == "get_map_v1":
            sec = inner["security"]
            header = struct.pack("<8s8sH6s", sec["endpoint"].encode()[:8], b"\0" * 8, rid, b"\0" * 6)
            body = header + Utils.encrypt_cbc(gzip.compress(fake_map(), mtime=0), bytes.fromhex(sec["nonce"]))
            return [RoborockMessage(protocol=P.MAP_RESPONSE, payload=body)]
        return dps({"id": rid, "result": "unknown_method"})
    if msg.version == b"A01":
        # python-roborock's parser leaves A01's PKCS#7 padding in place
        dps = json.loads(unpad(msg.payload, AES.block_size))["dps"]
        if "10000" not in dps:
            return []  # a set command: no reply
        values = {201: 3, 207: 2, 209: 87, 214: 450, 215: 300}
        data = {str(c): values.get(c, 0) for c in json.loads(dps["10000"])}
        # as python-roborock's e2e ResponseBuilder.build_a01_rpc: padded JSON, A01 adds no padding itself
        return [RoborockMessage(protocol=P.RPC_RESPONSE, version=b"A01",
                                payload=pad(json.dumps({"dps": data, "t": t}).encode(), AES.block_size))]
    if msg.version == b"B01":
        # the B01 request carries a second PKCS#7 layer inside the one the parser removes
        req = json.loads(unpad(msg.payload, AES.block_size))["dps"]["10000"]
        if req["method"] == "prop.get":
            data = {"status": 8, "quantity": 96, "wind": 2, "water": 1, "fault": 0}
            inner = {"msgId": req["msgId"], "code": 0, "data": {p: data.get(p, 0) for p in req["params"]["property"]}}
        else:
            inner = {"msgId": req["msgId"], "code": 10001, "data": "unsupported"}
        # as python-roborock's e2e ResponseBuilder._build_b01_dps (the encoder pads once)
        return [RoborockMessage(protocol=P.RPC_RESPONSE, version=b"B01",
                                payload=json.dumps({"dps": {"10000": json.dumps(inner)}}).encode())]
    return []


async def client(truth_path):
    truth = Truth(truth_path)
    rriot = RRiot.from_dict(RRIOT)
    params = create_mqtt_params(rriot)
    truth.write(kind="mqtt_account", rriot_u=rriot.u, rriot_k=rriot.k, mqtt_username=params.username,
                mqtt_password=params.password, broker=f"{params.host}:{params.port}", tls=params.tls)
    session = await create_mqtt_session(params)
    logger = RoborockLoggerAdapter(duid="mqtt", logger=logging.getLogger("client"))

    def channel(name):
        d = DEVICES[name]
        return MqttChannel(session, d["duid"], d["local_key"], rriot, params)

    async def record(method, params_, coro, **extra):
        try:
            result = await coro
            truth.write(kind="call", method=method, params=params_, result=result, **extra)
        except RoborockException as e:
            truth.write(kind="call", method=method, params=params_, error=f"{type(e).__name__}: {e}", **extra)
        await asyncio.sleep(0.2)

    # 1.0 vacuum
    v1 = channel("mqtt-v1")
    security = create_security_data(rriot)

    def strategy(decoder):
        return RpcStrategy(name="mqtt", channel=v1, decoder=decoder, health_manager=v1.health_manager,
                           encoder=lambda x: x.encode_message(P.RPC_REQUEST, security_data=security))

    rpc = RpcChannel(lambda: [strategy(decode_rpc_response)], logger)
    for method, p in (("get_status", None), ("get_consumable", None), ("app_start", None),
                      ("app_goto_target", [25500, 25500]), ("not_a_method", [])):
        await record(method, p, rpc.send_command(method, params=p), device="mqtt-v1")
    map_rpc = RpcChannel(lambda: [strategy(create_map_response_decoder(security))], logger)
    try:
        data = await map_rpc.send_command("get_map_v1")
        truth.write(kind="call", device="mqtt-v1", method="get_map_v1", params=None,
                    security_nonce=security.nonce.hex(), security_endpoint=security.endpoint,
                    result_map_length=len(data), result_map_hex=data.hex())
    except RoborockException as e:
        truth.write(kind="call", device="mqtt-v1", method="get_map_v1", error=str(e))
    await asyncio.sleep(0.2)

    # A01 (Dyad wet/dry vacuum): a query and a set (no reply expected)
    a01 = channel("mqtt-a01")
    q = [Dyad.STATUS, Dyad.POWER, Dyad.MESH_LEFT]
    await record("a01 query", [int(x) for x in q],
                 a01_channel.send_decoded_command(a01, {Dyad.ID_QUERY: q}, value_encoder=json.dumps),
                 device="mqtt-a01")
    await record("a01 set", {int(Dyad.WARM_LEVEL): 2},
                 a01_channel.send_decoded_command(a01, {Dyad.WARM_LEVEL: 2}), device="mqtt-a01")

    # B01 (Q7)
    b01 = B01Q7Channel(channel("mqtt-b01"), MapKey(key=b"0123456789abcdef"))
    await record("prop.get", {"property": ["status", "quantity", "wind"]},
                 b01.send_command("prop.get", {"property": ["status", "quantity", "wind"]}), device="mqtt-b01")
    await record("service.find_device", {}, b01.send_command("service.find_device", {}), device="mqtt-b01")
    await asyncio.sleep(0.5)
    await session.close()


if __name__ == "__main__":
    asyncio.run({"device": device, "client": client}[sys.argv[1]](sys.argv[2]))
