"""Pushed data points, every frame built by python-roborock 7.13's encoders.

For tests/captures/roborock-pushes.pcapng: data points of every kind
python-roborock names, pushed to python-roborock's own clients.

- local TCP 58867, a `1.0` device on 127.0.0.27 (forms.py's device: hello
  response "ok" by MessageParser.build): after the hello it pushes
  V1_PUSHES, each as MessageParser.build of a GENERAL_RESPONSE (5) message
  whose payload is json.dumps({"dps": ..., "t": ...}), the form of
  roborock.testing.v1_simulator's trigger_push_update; python-roborock's
  LocalChannel receives them and v1_protocol.decode_data_protocol_message
  decodes them (truth lines "push").
- MQTT through mosquitto 127.0.0.1:1883: python-roborock's
  RoborockMqttSession + MqttChannel publish one request per device (V1
  RequestMessage.encode_message, A01 a01_protocol.encode_mqtt_payload,
  B01 b01_q7_protocol.encode_mqtt_payload); the device peer answers each
  with pushes built by create_mqtt_encoder: a `1.0` push, `A01` pushes by
  a01_protocol.encode_mqtt_payload (protocol set to RPC_RESPONSE, as
  roborock.testing.a01_simulator does) with Dyad and Zeo ids, and a `B01`
  push (RoborockMessage RPC_RESPONSE, B01) with RoborockB01Protocol ids.

Truth rows as forms.py's. name-data-points.py then names every data point
with python-roborock's own enums (CAPTURE.dps.jsonl).

Usage: pushes.py device TRUTH | pushes.py client TRUTH
"""

import asyncio
import json
import sys
import time

import aiomqtt

import forms
from common import Truth
from forms import Rows, mqtt_row
from roborock.data import RRiot
from roborock.devices.transport.local_channel import LocalChannel
from roborock.devices.transport.mqtt_channel import MqttChannel
from roborock.mqtt.roborock_session import create_mqtt_session
from roborock.protocol import create_mqtt_decoder, create_mqtt_encoder, create_mqtt_params
from roborock.protocols import a01_protocol, b01_q7_protocol, v1_protocol
from roborock.protocols.b01_q7_protocol import B01_Q7_DPS, Q7RequestMessage
from roborock.protocols.v1_protocol import RequestMessage
from roborock.roborock_message import RoborockB01Protocol as B01
from roborock.roborock_message import RoborockDataProtocol as V1
from roborock.roborock_message import RoborockDyadDataProtocol as Dyad
from roborock.roborock_message import RoborockMessage
from roborock.roborock_message import RoborockMessageProtocol as P
from roborock.roborock_message import RoborockZeoProtocol as Zeo

DEVICES = {
    "pushes-v1": {"duid": "rrPushV1Local3Kd8Rw2Z", "local_key": "Pv1Qw3Er5Ty7Ui9O", "ip": "127.0.0.27",
                  "speaks": "1.0"},
    "pushes-mqtt-v1": {"duid": "rrPushV1Mqtt6Gh1Lp4X", "local_key": "Pm1Az2Sx3Dc4Fv5G", "transport": "mqtt"},
    "pushes-a01": {"duid": "rrPushA01Dyad7Nb2Qc5", "local_key": "Pa0Lk9Jh8Gf7Ds6A", "transport": "mqtt"},
    "pushes-b01": {"duid": "rrPushB01Q7Tm4Vx8Ky", "local_key": "Pb0Zx1Cv2Bn3Mq4W", "transport": "mqtt"},
}
forms.DEVICES.update(DEVICES)  # forms.LocalDevice looks its device up there
MQTT_DEVICE_BIND = "127.0.0.36"

# Every RoborockDataProtocol id, values python-roborock names and values it
# does not (state 19, error 999), and an id it does not know (129).
V1_PUSHES = [
    {V1.STATE: 8, V1.BATTERY: 100, V1.FAN_POWER: 102, V1.WATER_BOX_MODE: 202},
    {V1.ERROR_CODE: 2, V1.STATE: 12, V1.CHARGE_STATUS: 0, V1.DRYING_STATUS: 0},
    {V1.MAIN_BRUSH_WORK_TIME: 15720, V1.SIDE_BRUSH_WORK_TIME: 15720, V1.FILTER_WORK_TIME: 15720,
     V1.ADDITIONAL_PROPS: 0},
    {129: 1, V1.TASK_COMPLETE: 1, V1.TASK_CANCEL_LOW_POWER: 0, V1.TASK_CANCEL_IN_MOTION: 0,
     V1.OFFLINE_STATUS: 0, V1.STATE: 19, V1.ERROR_CODE: 999, V1.CHARGE_STATUS: -1},
    {V1.STATE: 6301, V1.ERROR_CODE: 45, V1.CHARGE_STATUS: 1, V1.BATTERY: 57},
]
MQTT_V1_PUSH = {V1.STATE: 5, V1.BATTERY: 87, V1.FAN_POWER: 104, V1.WATER_BOX_MODE: 203, V1.ERROR_CODE: 0}
A01_PUSHES = [
    {Dyad.STATUS: 3, Dyad.POWER: 87, Dyad.ERROR: 0, Dyad.MESH_LEFT: 450, Dyad.BRUSH_LEFT: 300,
     Dyad.DRYING_STATUS: 0, Dyad.SCHEDULE_TASK: "[]", Dyad.F_C: 0},
    {Zeo.STATE: 1, Zeo.MODE: 2, Zeo.ERROR: 0, Zeo.COUNTDOWN: 0, Zeo.WASHING_LEFT: 35, Zeo.DETERGENT_EMPTY: False},
]
B01_PUSH = {B01.STATE: 8, B01.BATTERY: 96, B01.FAN_POWER: 2, B01.MAIN_BRUSH_LIFE: 80, B01.CLEAN_TIMES: 12,
            B01.ERROR_CODE: 0, 299: 1}


def dps_json(points) -> bytes:
    """The payload python-roborock's V1 simulator pushes: json.dumps of dps and t."""
    return json.dumps({"dps": {str(int(k)): v for k, v in points.items()}, "t": int(time.time())}).encode()


class PushingDevice(forms.LocalDevice):
    """forms.py's local device, which pushes V1_PUSHES after the hello."""

    def send(self, m, answers, form, rpc_id=None):
        row = super().send(m, answers, form, rpc_id)
        if m.protocol == P.HELLO_RESPONSE:
            loop = asyncio.get_running_loop()
            for n, points in enumerate(V1_PUSHES):
                loop.call_later(0.1 * (n + 1), self.push, 300000 + n, points)
        return row

    def push(self, seq, points):
        super().send(self.message(P.GENERAL_RESPONSE, seq, dps_json(points)), None,
                     "general response (5): pushed data points, json.dumps as roborock.testing.v1_simulator")


def mqtt_pushes(duid, msg):
    """The pushes a device answers a request with."""
    name = next(n for n, d in DEVICES.items() if d["duid"] == duid)
    if name == "pushes-mqtt-v1":
        return [(RoborockMessage(protocol=P.GENERAL_RESPONSE, payload=dps_json(MQTT_V1_PUSH)),
                 "1.0 push (5) by create_mqtt_encoder")]
    if name == "pushes-a01":
        out = []
        for points in A01_PUSHES:
            m = a01_protocol.encode_mqtt_payload(points)
            m.protocol = P.RPC_RESPONSE
            out.append((m, "A01 push (102): a01_protocol.encode_mqtt_payload, as roborock.testing.a01_simulator"))
        return out
    payload = json.dumps({"dps": {str(int(k)): v for k, v in B01_PUSH.items()}, "t": int(time.time())})
    return [(RoborockMessage(protocol=P.RPC_RESPONSE, version=b"B01", payload=payload.encode()),
             "B01 push (102): RoborockMessage by create_mqtt_encoder")]


async def mqtt_device(rows: Rows):
    keys = {d["duid"]: d["local_key"] for d in DEVICES.values() if d.get("transport") == "mqtt"}
    seq = 0
    async with aiomqtt.Client("127.0.0.1", 1883, identifier="roborock-pushes-devices", bind_address=MQTT_DEVICE_BIND,
                              protocol=aiomqtt.ProtocolVersion.V311) as client:
        await client.subscribe("rr/m/i/#")
        print("mqtt ready", flush=True)
        async for m in client.messages:
            topic = str(m.topic)
            duid = topic.rsplit("/", 1)[1]
            frame = bytes(m.payload)
            [msg] = create_mqtt_decoder(keys[duid])(frame)
            mqtt_row(rows, "to_device", topic, frame, msg, "parsed_by", form="request that starts the pushes")
            out_topic = topic.replace("rr/m/i/", "rr/m/o/", 1)
            for push, form in mqtt_pushes(duid, msg):
                seq += 1
                push.seq, push.random, push.timestamp = 910000 + seq, 0x43000000 + seq * 7919, int(time.time())
                data = create_mqtt_encoder(keys[duid])(push)
                mqtt_row(rows, "from_device", out_topic, data, push, "built_by", form=form)
                await client.publish(out_topic, data)
                await asyncio.sleep(0.05)


async def device(truth_path):
    rows = Rows(truth_path)
    for name, d in DEVICES.items():
        where = {"address": f"{d['ip']}:58867", "speaks": d["speaks"]} if "ip" in d else {"transport": "mqtt"}
        rows.truth.write(kind="device", name=name, duid=d["duid"], local_key=d["local_key"], **where)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: PushingDevice("pushes-v1", rows), DEVICES["pushes-v1"]["ip"], 58867)
    print("local ready", flush=True)
    try:
        await mqtt_device(rows)
    finally:
        server.close()


def received(truth, device, decode):
    def on_message(msg: RoborockMessage):
        try:
            decoded = decode(msg)
            truth.write(kind="push", device=device, protocol=int(msg.protocol),
                        decoded={str(int(k)): v for k, v in (decoded or {}).items()})
        except Exception as e:  # noqa: BLE001 - the truth says what python-roborock made of it
            truth.write(kind="push", device=device, protocol=int(msg.protocol), error=f"{type(e).__name__}: {e}")
    return on_message


async def client(truth_path):
    truth = Truth(truth_path)
    dev = DEVICES["pushes-v1"]
    local = LocalChannel(dev["ip"], dev["local_key"], dev["duid"])
    await local.subscribe(received(truth, "pushes-v1", v1_protocol.decode_data_protocol_message))
    await local.connect()
    await asyncio.sleep(0.2 * len(V1_PUSHES) + 0.5)
    local.close()

    rriot = RRiot.from_dict(forms.RRIOT)
    params = create_mqtt_params(rriot)
    session = await create_mqtt_session(params)
    requests = {
        "pushes-mqtt-v1": (RequestMessage("get_status", None).encode_message(P.RPC_REQUEST), v1_protocol.decode_data_protocol_message),
        "pushes-a01": (a01_protocol.encode_mqtt_payload({Dyad.ID_QUERY: [int(Dyad.STATUS)]}, value_encoder=json.dumps),
                       a01_protocol.decode_rpc_response),
        "pushes-b01": (b01_q7_protocol.encode_mqtt_payload(Q7RequestMessage(dps=B01_Q7_DPS, command="prop.get",
                                                                            params={"property": ["status"]})),
                       b01_q7_protocol.decode_rpc_response),
    }
    for name, (request, decode) in requests.items():
        d = DEVICES[name]
        channel = MqttChannel(session, d["duid"], d["local_key"], rriot, params)
        await channel.subscribe(received(truth, name, decode))
        await channel.publish(request)
        await asyncio.sleep(0.5)
    await session.close()


if __name__ == "__main__":
    try:
        asyncio.run({"device": device, "client": client}[sys.argv[1]](sys.argv[2]))
    except KeyboardInterrupt:
        pass
