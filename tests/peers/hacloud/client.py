#!/usr/bin/env python3
"""The Xiaomi Home integration's own cloud clients, driven for test
captures: `MIoTOauthClient` and `MIoTHttpClient` (miot/miot_cloud.py) and
`MipsCloudClient` (miot/miot_mips.py) of XiaoMi/ha_xiaomi_home, imported from
a checkout outside this repository (--src, its custom_components/xiaomi_home
folder; the `miot` package needs no Home Assistant). Their code makes every
request, header, body, MQTT packet and TLS connection; this script only calls
them as the integration's config flow and MIoTClient do, and records.

What this process changes around them, nothing else:
- name resolution: socket.getaddrinfo answers the real host names
  (de.ha.api.io.mi.com, open.account.xiaomi.com, de-ha.mqtt.io.mi.com) with
  the stand-ins' loopback addresses, so URLs, Host headers and TLS SNI stay
  the real ones;
- the source address: sockets to 127.0.0.40/29 are bound to 127.0.0.40 (the
  Home Assistant host) before they connect or send;
- trust: SSL_CERT_FILE is the stand-in certificate, which aiohttp's default
  context and paho's tls_set() (load_default_certs) load, so certificates
  are verified as usual (the integration turns off only the MQTT host name
  check, tls_insecure_set(True));
- TLS secrets: aiohttp's context takes $SSLKEYLOGFILE itself
  (ssl.create_default_context); paho builds a bare ssl.SSLContext, so its
  tls_set_context() is wrapped to set keylog_filename to the same file;
- records: aiohttp.ClientResponse.text is wrapped to note each reply the
  integration read, and MipsCloudClient._on_mips_message to note each MQTT
  message (topic, payload) before the integration's own handlers parse it.

  client.py http --src DIR --out FILE [--local]
      OAuth code exchange, user profile, get_devices_async (gethome,
      device_list_page twice), get_props_async over several devices, four
      get_prop_async aggregated into one request, set_prop_async,
      action_async (with and without "in"), refresh_access_token_async and a
      call with the new token; with --local python-miio 0.5.12 then talks
      miIO to the listed zhimi.airp.rmb1 with the token the list gave.
  client.py mqtt --src DIR --out FILE --expect N
      MipsCloudClient connects (MQTT 5, TLS, user = app id, password =
      access token), subscribes every listed device's properties_changed,
      event_occured and state topics, prints "subscribed" once the broker
      has acknowledged them, records the N messages the cloud publishes and
      what the integration's handlers made of them, then disconnects.
One JSON line per call or message goes to --out.
"""
import argparse
import asyncio
import json
import os
import socket
import ssl
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixtures as F  # noqa: E402  (addresses and the user's own inputs only)

NET = "127.0.0.4"


def redirect_names():
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name in F.HOSTS:
            host = F.HOSTS[name]
        return real(host, *args, **kwargs)
    socket.getaddrinfo = getaddrinfo


def bind_source():
    def ours(sock, addr):
        return (sock.family == socket.AF_INET and isinstance(addr, tuple) and str(addr[0]).startswith(NET)
                and sock.getsockname()[1] == 0)
    connect, connect_ex, sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto

    def c(self, addr):
        if ours(self, addr):
            self.bind((F.CLIENT_ADDR, 0))
        return connect(self, addr)

    def cx(self, addr):
        if ours(self, addr):
            self.bind((F.CLIENT_ADDR, 0))
        return connect_ex(self, addr)

    def st(self, data, *args):
        addr = args[-1]
        if ours(self, addr):
            self.bind((F.CLIENT_ADDR, 0))
        return sendto(self, data, *args)
    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = c, cx, st
    # paho binds its socket to ("", 0) through create_connection first.
    create_connection = socket.create_connection

    def cc(address, *args, **kwargs):
        source = kwargs.get("source_address", args[1] if len(args) > 1 else None)
        host = F.HOSTS.get(address[0], address[0])
        if str(host).startswith(NET) and source in (None, ("", 0), ("0.0.0.0", 0)):
            if len(args) > 1:
                args = (args[0], (F.CLIENT_ADDR, 0)) + args[2:]
            else:
                kwargs["source_address"] = (F.CLIENT_ADDR, 0)
        return create_connection(address, *args, **kwargs)
    socket.create_connection = cc


class Out:
    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8")

    def __call__(self, **line):
        self.file.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        self.file.flush()


def setup(src):
    if not os.environ.get("SSLKEYLOGFILE"):
        sys.exit("client.py: set SSLKEYLOGFILE, or the capture cannot be decrypted")
    os.environ["SSL_CERT_FILE"] = os.path.join(HERE, "cert.pem")   # this process only
    os.environ.pop("SSL_CERT_DIR", None)
    redirect_names()
    bind_source()
    # custom_components/xiaomi_home goes last on the path: its select.py
    # and the like must not hide the standard library's modules.
    sys.path.append(os.path.join(src, "custom_components", "xiaomi_home"))


# ---------------------------------------------------------------- HTTP
async def http(args, out):
    import aiohttp
    from miot.const import OAUTH2_CLIENT_ID
    from miot.miot_cloud import MIoTHttpClient, MIoTOauthClient

    replies = []
    text = aiohttp.ClientResponse.text

    async def noting_text(self, *a, **kw):
        body = await text(self, *a, **kw)
        replies.append({"method": self.method, "url": str(self.url), "status": self.status, "text": body})
        return body
    aiohttp.ClientResponse.text = noting_text

    async def call(name, coro, **call_args):
        del replies[:]
        result = await coro
        out(kind="client", call=name, args=call_args, http=list(replies), result=result)
        return result

    oauth = MIoTOauthClient(client_id=OAUTH2_CLIENT_ID, redirect_url=F.REDIRECT_URL, cloud_server=F.REGION,
                            uuid=F.UUID)
    out(kind="client", call="gen_auth_url", args={}, http=[], result=oauth.gen_auth_url())
    # The code the OAuth redirect (account.xiaomi.com, in the user's browser) hands the webhook.
    auth = await call("get_access_token_async", oauth.get_access_token_async(code=F.OAUTH_CODE), code=F.OAUTH_CODE)
    api = MIoTHttpClient(cloud_server=F.REGION, client_id=OAUTH2_CLIENT_ID, access_token=auth["access_token"])
    await call("get_user_info_async", api.get_user_info_async())
    devices = await call("get_devices_async", api.get_devices_async())
    listed = devices["devices"]
    purifier = next(d for d in listed.values() if d["model"] == "zhimi.airp.rmb1")["did"]
    plug = next(d for d in listed.values() if d["model"] == "cuco.plug.v3")["did"]
    magnet = next(d for d in listed.values() if d["did"].startswith("blt."))["did"]
    lamp = next(d for d in listed.values() if not d["online"])["did"]
    shared = next(d for d in listed.values() if d.get("owner"))["did"]

    # MIoTClient refreshes every property of every device this way at start.
    props = [{"did": purifier, "siid": s, "piid": p} for s, p in
             ((2, 1), (2, 2), (2, 4), (3, 1), (3, 4), (3, 7), (4, 1), (4, 3), (4, 4), (6, 1), (8, 1), (13, 2),
              (14, 1), (9, 1), (9, 11))]
    props += [{"did": plug, "siid": 2, "piid": 1}, {"did": plug, "siid": 11, "piid": 2},
              {"did": magnet, "siid": 2, "piid": 1004}, {"did": lamp, "siid": 2, "piid": 1},
              {"did": shared, "siid": 2, "piid": 1}, {"did": shared, "siid": 2, "piid": 5}]
    await call("get_props_async", api.get_props_async(params=props), params=props)

    # Entities asking one property each: the client gathers them (0.2 s) into one request.
    single = [(purifier, 2, 1), (purifier, 3, 4), (plug, 2, 1), (shared, 2, 5)]
    del replies[:]
    values = await asyncio.gather(*[api.get_prop_async(did=d, siid=s, piid=p) for d, s, p in single])
    out(kind="client", call="get_prop_async", args={"props": single}, http=list(replies),
        result=[{"did": d, "siid": s, "piid": p, "value": v} for (d, s, p), v in zip(single, values)])

    sets = [{"did": purifier, "siid": 2, "piid": 4, "value": 1}, {"did": purifier, "siid": 13, "piid": 2, "value": 0},
            {"did": plug, "siid": 2, "piid": 1, "value": False}, {"did": lamp, "siid": 2, "piid": 1, "value": True},
            {"did": shared, "siid": 2, "piid": 5, "value": 24}]
    await call("set_prop_async", api.set_prop_async(params=sets), params=sets)
    await call("action_async", api.action_async(did=purifier, siid=2, aiid=1, in_list=[]),
               did=purifier, siid=2, aiid=1, in_list=[])
    in_list = [{"piid": 3, "value": 0}]
    await call("action_async", api.action_async(did=purifier, siid=4, aiid=1, in_list=in_list),
               did=purifier, siid=4, aiid=1, in_list=in_list)

    # A day later: the token is refreshed and the client takes the new one.
    fresh = await call("refresh_access_token_async",
                       oauth.refresh_access_token_async(refresh_token=auth["refresh_token"]),
                       refresh_token=auth["refresh_token"])
    api.update_http_header(access_token=fresh["access_token"])
    again = [{"did": purifier, "siid": 2, "piid": 4}, {"did": purifier, "siid": 13, "piid": 2},
             {"did": plug, "siid": 2, "piid": 1}]
    await call("get_props_async", api.get_props_async(params=again), params=again)
    await api.deinit_async()
    await oauth.deinit_async()
    await asyncio.sleep(0.3)     # let the sessions' connections close before the capture stops
    return listed, purifier


def local(listed, purifier, out):
    """python-miio to the listed purifier, with the cloud list's token; the
    integration's own list kept no IP (it reads `local_ip`), so the IP is
    the `localip` of the device_list_page reply (recorded by the client)."""
    from miio.miot_device import MiotDevice
    mapping = {"power": {"siid": 2, "piid": 1}, "fault": {"siid": 2, "piid": 2}, "mode": {"siid": 2, "piid": 4},
               "humidity": {"siid": 3, "piid": 1}, "pm25": {"siid": 3, "piid": 4},
               "temperature": {"siid": 3, "piid": 7}, "filter_life": {"siid": 4, "piid": 1}}
    dev = listed[purifier]
    ip = dev["localip_from_reply"]
    md = MiotDevice(ip, dev["token"], timeout=2, model=dev["model"], mapping=mapping)
    calls = [("miIO.info", lambda: md.send("miIO.info", [])),
             ("get_properties", md.get_properties_for_mapping),
             ("set_properties", lambda: md.set_property("mode", 1)),
             ("action", lambda: md.call_action_by(2, 1))]
    for name, fn in calls:
        result = fn()
        out(kind="miio", ip=ip, did=purifier, did_hex="%08x" % int(purifier), token=dev["token"],
            model=dev["model"], method=name, result=result)


# ---------------------------------------------------------------- MQTT
async def mqtt(args, out):
    import paho.mqtt.client as paho
    from miot.const import OAUTH2_CLIENT_ID
    from miot.miot_mips import MipsCloudClient

    keylog = os.environ["SSLKEYLOGFILE"]
    tls_set_context = paho.Client.tls_set_context

    def keylogging(self, context=None):
        if context is not None:
            context.keylog_filename = keylog
        return tls_set_context(self, context)
    paho.Client.tls_set_context = keylogging

    subacks = []
    handle_suback = paho.Client._handle_suback

    def noting_suback(self):
        rc = handle_suback(self)
        subacks.append(time.time())
        return rc
    paho.Client._handle_suback = noting_suback

    loop = asyncio.get_running_loop()
    got = []
    done = asyncio.Event()
    mips = MipsCloudClient(uuid=F.UUID, cloud_server=F.REGION, app_id=OAUTH2_CLIENT_ID, token=F.ACCESS_TOKEN)
    on_message = mips._on_mips_message

    def noting_message(topic, payload):
        out(kind="mqtt_message", topic=topic, payload=payload.decode("utf-8"))
        on_message(topic, payload)
        got.append(topic)
        if len(got) >= args.expect:
            # After the integration's handlers (queued on the loop) have run.
            loop.call_soon_threadsafe(lambda: loop.call_soon(done.set))
    mips._on_mips_message = noting_message

    states = []
    mips.sub_mips_state("hacloud", lambda key, state: _state(states, key, state))
    await mips.connect_async()
    out(kind="client", call="connect_async", client_id=mips.client_id, host=mips.host, port=mips.port,
        username=OAUTH2_CLIENT_ID, password=F.ACCESS_TOKEN)

    topics = []
    for did in F.DEVICES_BY_DID:
        def on_prop(params, ctx):
            out(kind="handler", handler="sub_prop", ctx=ctx, params=params)

        def on_event(params, ctx):
            out(kind="handler", handler="sub_event", ctx=ctx, params=params)

        def on_state(did, state, ctx):
            out(kind="handler", handler="sub_device_state", ctx=ctx, did=did, state=state.name)
        mips.sub_prop(did=did, handler=on_prop, handler_ctx=did)
        mips.sub_event(did=did, handler=on_event, handler_ctx=did)
        mips.sub_device_state(did=did, handler=on_state, handler_ctx=did)
        topics += ["device/%s/up/properties_changed/#" % did, "device/%s/up/event_occured/#" % did]
        if not did.startswith(("blt.", "proxy.")):
            topics.append("device/%s/state/#" % did)
    # The integration sends its pending subscriptions one SUBSCRIBE per topic.
    for _ in range(100):
        if len(subacks) >= len(topics):
            break
        await asyncio.sleep(0.05)
    out(kind="client", call="subscribed", topics=topics, subacks=len(subacks))
    print("subscribed", flush=True)
    try:
        await asyncio.wait_for(done.wait(), 30)
    except asyncio.TimeoutError:
        sys.exit("client.py: %d of %d messages" % (len(got), args.expect))
    await asyncio.sleep(0.2)
    await mips.deinit_async()
    out(kind="client", call="deinit_async", states=states)


async def _state(states, key, state):
    states.append([key, state])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=("http", "mqtt"))
    ap.add_argument("--src", required=True, help="the ha_xiaomi_home checkout")
    ap.add_argument("--out", required=True)
    ap.add_argument("--local", action="store_true")
    ap.add_argument("--expect", type=int, default=0)
    args = ap.parse_args()
    setup(args.src)
    out = Out(args.out)
    if args.mode == "http":
        listed, purifier = asyncio.run(http(args, out))
        if args.local:
            # The integration keeps `local_ip` (None here); the reply's `localip` is the IP.
            reply = [json.loads(line) for line in open(args.out, encoding="utf-8")]
            for line in reply:
                for h in line.get("http", []):
                    if h["url"].endswith("/app/v2/home/device_list_page"):
                        for d in json.loads(h["text"])["result"]["list"]:
                            if d["did"] in listed:
                                listed[d["did"]]["localip_from_reply"] = d["localip"]
            local(listed, purifier, out)
    else:
        asyncio.run(mqtt(args, out))


if __name__ == "__main__":
    main()
