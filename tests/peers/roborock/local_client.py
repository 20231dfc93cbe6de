"""python-roborock's own local client (LocalChannel + the V1 RPC channel) against device.py.

The RPC channel is assembled the way roborock.devices.rpc.v1_channel.V1Channel
assembles its local strategy (encoder: RequestMessage.encode_message with
GENERAL_REQUEST and the negotiated version; decoder: decode_rpc_response).
The map request uses python-roborock's map decoder and security data, which
the library itself only sends over MQTT: here over the local channel.

Usage: local_client.py NAME CALLS_JSON TRUTH_FILE
  CALLS_JSON: list of ["method", params] or ["@ping"] or ["@map"] or ["@pair", [m1, p1], [m2, p2]]
"""

import asyncio
import base64
import json
import sys

from roborock.data import RRiot
from roborock.devices.rpc.v1_channel import RpcChannel, RpcStrategy
from roborock.devices.transport.local_channel import LocalChannel
from roborock.exceptions import RoborockException
from roborock.protocol import Utils
from roborock.protocols.v1_protocol import create_map_response_decoder, create_security_data, decode_rpc_response
from roborock.roborock_message import RoborockMessageProtocol as P
from roborock.util import RoborockLoggerAdapter

import logging

from common import DEVICES, RRIOT, Truth


async def main(name, calls, truth_path):
    dev = DEVICES[name]
    truth = Truth(truth_path)
    channel = LocalChannel(dev["ip"], dev["local_key"], dev["duid"])
    await channel.connect()
    truth.write(kind="call", method="@connect", negotiated_version=str(channel.protocol_version))
    logger = RoborockLoggerAdapter(duid=dev["duid"], logger=logging.getLogger("client"))

    def strategy(decoder=decode_rpc_response, security=None):
        return RpcStrategy(
            name="local",
            channel=channel,
            encoder=lambda x: x.encode_message(P.GENERAL_REQUEST, security_data=security,
                                               version=channel.protocol_version),
            decoder=decoder,
        )

    rpc = RpcChannel(lambda: [strategy()], logger)
    rriot = RRiot.from_dict(RRIOT)

    async def one(method, params):
        try:
            result = await rpc.send_command(method, params=params)
            return {"kind": "call", "method": method, "params": params, "result": result}
        except RoborockException as e:
            return {"kind": "call", "method": method, "params": params, "error": f"{type(e).__name__}: {e}"}

    for call in calls:
        if call[0] == "@ping":
            await channel._ping()  # what its keep-alive loop does every 10 s
            truth.write(kind="call", method="@ping", result="pong")
        elif call[0] == "@map":
            security = create_security_data(rriot)
            map_rpc = RpcChannel(lambda: [strategy(create_map_response_decoder(security), security)], logger)
            data = await map_rpc.send_command("get_map_v1")
            truth.write(kind="call", method="get_map_v1", params=None, security_nonce=security.nonce.hex(),
                        security_endpoint=security.endpoint, result_map_length=len(data),
                        result_map_hex=data.hex())
        elif call[0] == "@pair":
            rows = await asyncio.gather(*(one(m, p) for m, p in call[1:]))
            for row in rows:
                truth.write(**row, note="sent concurrently (asyncio.gather)")
        else:
            truth.write(**(await one(call[0], call[1])))
        await asyncio.sleep(0.2)
    channel.close()
    await asyncio.sleep(0.2)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]))
