#!/usr/bin/env python3
"""Drives the Xiaomi Home integration's own LAN control, class MIoTLan of
XiaoMi/ha_xiaomi_home custom_components/xiaomi_home/miot/miot_lan.py
(imported from a checkout outside this repo, HALAN_SRC), as its MIoTClient
does: vote for LAN control, sub_device_state, update_devices with did, token,
model and connect_type 0, sub_prop/sub_event per device (wildcards), then
get_prop_async / set_prop_async / action_async, asks the stand-in devices
(device.py, through its control socket) for pushes, waits for the
integration's keep-alive unicast probe, turns subscriptions off
(update_subscribe_option(False): miIO.unsub) and deinit_async.

  client.py SRC CONTROL_SOCKET OUT.jsonl [--log DEBUG_LOG]

What is replaced: miot_network (psutil, aiohttp: interface enumeration) by a
stub module, and the MIoTNetwork and MipsService objects MIoTLan is given by
stand-ins that report one interface, "lo" (127.0.0.50 in the namespace), and
no central hub gateway. MIoTLan, common (MIoTMatcher, randomize_float,
load_yaml_file), miot_error and miot_mdns are the integration's own.
random is seeded, so message ids and timer jitter repeat from run to run.

Truth lines (OUT.jsonl, side "client"): the probe the integration built,
every device-state change, every property/event handler call, every API call
with its result.
"""
import argparse
import asyncio
import dataclasses
import enum
import json
import logging
import os
import random
import socket
import sys
import time
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures as F  # noqa: E402

SEED = 29   # first broadcast 1 s after start (int(3 * random()) = 1), after update_devices


def install_stubs():
    stub = types.ModuleType("miot.miot_network")

    class InterfaceStatus(enum.Enum):
        ADD = 0
        UPDATE = enum.auto()
        REMOVE = enum.auto()

    @dataclasses.dataclass
    class NetworkInfo:
        name: str
        ip: str
        netmask: str
        net_seg: str

    class MIoTNetwork:
        pass

    stub.InterfaceStatus, stub.NetworkInfo, stub.MIoTNetwork = InterfaceStatus, NetworkInfo, MIoTNetwork
    sys.modules["miot.miot_network"] = stub
    return NetworkInfo


class StandInNetwork:
    def __init__(self, info):
        self.network_info = {"lo": info}

    def sub_network_info(self, key, handler):
        pass


class StandInMipsService:
    def get_services(self, group_id=None):
        return {}

    def sub_service_change(self, key, group_id, handler):
        pass


async def run(args):
    random.seed(SEED)
    out = open(args.out, "w")

    def write(**line):
        line = {"side": "client", "t": round(time.time(), 6), **line}
        out.write(json.dumps(line) + "\n")
        out.flush()

    sys.path.append(os.path.join(args.src, "custom_components", "xiaomi_home"))
    import miot  # noqa: F401  (namespace package)
    NetworkInfo = install_stubs()
    from miot.miot_lan import MIoTLan

    loop = asyncio.get_running_loop()
    lan = MIoTLan(net_ifs=["lo"],
                  network=StandInNetwork(NetworkInfo("lo", F.HA_ADDR, "255.0.0.0", "127.0.0.0")),
                  mips_service=StandInMipsService(), enable_subscribe=True,
                  virtual_did=F.VIRTUAL_DID, loop=loop)
    write(kind="probe_built", hex=lan._probe_msg.hex(), virtual_did=lan.virtual_did)

    states = {}
    state_changed = asyncio.Event()

    async def on_state(did, state, ctx):
        states[did] = dict(state)
        write(kind="device_state", did=did, state=state)
        state_changed.set()

    seen = []
    seen_changed = asyncio.Event()

    def on_prop(param, ctx):
        write(kind="prop_handler", did=ctx, param=param)
        seen.append(("prop", ctx))
        seen_changed.set()

    def on_event(params, ctx):
        write(kind="event_handler", did=ctx, params=params)
        seen.append(("event", ctx))
        seen_changed.set()

    await lan.vote_for_lan_ctrl_async(key="halan-de", vote=True)
    write(kind="init", init_done=lan.init_done)
    lan.sub_device_state(key="halan-de", handler=on_state)
    devices = {str(d["did"]): {"token": d["token"], "model": d["model"], "connect_type": 0}
               for d in F.LAN_DEVICES.values()}
    lan.update_devices(devices=devices)
    write(kind="update_devices", devices=devices)
    for did in devices:
        lan.sub_prop(did=did, handler=on_prop, handler_ctx=did)
        lan.sub_event(did=did, handler=on_event, handler_ctx=did)

    dids = {name: str(d["did"]) for name, d in F.LAN_DEVICES.items()}

    async def wait_states(cond, timeout, what):
        end = loop.time() + timeout
        while not cond():
            state_changed.clear()
            try:
                await asyncio.wait_for(state_changed.wait(), max(0.01, end - loop.time()))
            except asyncio.TimeoutError:
                raise SystemExit("client.py: timed out waiting for " + what)

    # Discovery by broadcast probe, MSUB replies, miIO.sub for the wildcard ones.
    await wait_states(lambda: all(states.get(dids[n], {}).get("push_available") for n in ("purifier", "purifier64"))
                      and states.get(dids["purifier-nowild"], {}).get("online"), 30, "subscriptions")
    t_online = time.time()

    async def call(name, coro, **call_args):
        try:
            result = await coro
            write(kind="call", call=name, args=call_args, result=result)
        except Exception as e:  # noqa: BLE001 - recorded
            write(kind="call", call=name, args=call_args, error="%s: %s" % (type(e).__name__, e))

    p, p64, pn = dids["purifier"], dids["purifier64"], dids["purifier-nowild"]
    await call("get_prop_async", lan.get_prop_async(did=p, siid=2, piid=1), did=p, siid=2, piid=1)
    await call("get_prop_async", lan.get_prop_async(did=p, siid=3, piid=4), did=p, siid=3, piid=4)
    await call("get_prop_async", lan.get_prop_async(did=p, siid=3, piid=7), did=p, siid=3, piid=7)
    await call("set_prop_async", lan.set_prop_async(did=p, siid=2, piid=4, value=2), did=p, siid=2, piid=4, value=2)
    await call("action_async", lan.action_async(did=p, siid=2, aiid=1, in_list=[]), did=p, siid=2, aiid=1, in_list=[])
    await call("get_prop_async", lan.get_prop_async(did=p64, siid=2, piid=4), did=p64, siid=2, piid=4)
    await call("set_prop_async", lan.set_prop_async(did=p64, siid=9, piid=11, value=7),
               did=p64, siid=9, piid=11, value=7)
    in_list = [{"piid": 3, "value": 0}]
    await call("action_async", lan.action_async(did=p64, siid=4, aiid=1, in_list=in_list),
               did=p64, siid=4, aiid=1, in_list=in_list)
    await call("get_prop_async", lan.get_prop_async(did=pn, siid=4, piid=1), did=pn, siid=4, piid=1)
    await call("get_dev_list_async", lan.get_dev_list_async())

    # Device-initiated pushes (device.py sends them when told), each acked by MIoTLan.
    ctl = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    pushes = [
        {"device": "purifier", "id": 10001, "method": "properties_changed", "params": [
            {"did": p, "siid": 2, "piid": 4, "value": 2}, {"did": p, "siid": 3, "piid": 4, "value": 35}]},
        {"device": "purifier", "id": 10002, "method": "event_occured", "params": {
            "did": p, "siid": 9, "eiid": 2, "arguments": []}},
        {"device": "purifier64", "id": 20001, "method": "properties_changed", "params": [
            {"did": p64, "siid": 9, "piid": 11, "value": 7}]},
        {"device": "purifier64", "id": 20002, "method": "event_occured", "params": {
            "did": p64, "siid": 9, "eiid": 5, "arguments": []}},
    ]
    expect = 0
    for push in pushes:
        write(kind="push_requested", **push)
        ctl.sendto(json.dumps(push).encode(), args.control)
        expect += len(push["params"]) if push["method"] == "properties_changed" else 1
        end = loop.time() + 5
        while len(seen) < expect and loop.time() < end:
            seen_changed.clear()
            try:
                await asyncio.wait_for(seen_changed.wait(), end - loop.time())
            except asyncio.TimeoutError:
                break
        await asyncio.sleep(0.3)

    # The keep-alive: purifier-nowild misses broadcasts, so about 20 s after
    # its first MSUB the integration probes it by unicast.
    wait = t_online + 25 - time.time()
    write(kind="wait_for_keepalive", seconds=round(max(0, wait), 1))
    if wait > 0:
        await asyncio.sleep(wait)

    await lan.update_subscribe_option(enable_subscribe=False)   # miIO.unsub to the subscribed ones
    write(kind="update_subscribe_option", enable_subscribe=False)
    await asyncio.sleep(1.5)
    await call("get_dev_list_async", lan.get_dev_list_async())
    await lan.deinit_async()
    write(kind="deinit")
    await asyncio.sleep(0.2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("control")
    ap.add_argument("out")
    ap.add_argument("--log")
    args = ap.parse_args()
    if args.log:
        logging.basicConfig(filename=args.log, level=logging.DEBUG,
                            format="%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
