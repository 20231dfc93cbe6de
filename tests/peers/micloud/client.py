#!/usr/bin/env python3
"""A Mi Home cloud client for test captures: micloud 0.6's own MiCloud class
logs in and makes the RC4 API calls (its own nonce, signing, RC4 and HTTP
session code), then python-miio 0.5.12 talks to the listed local device with
the token the cloud gave.

The real host names (account.xiaomi.com, sts.api.io.mi.com, api.io.mi.com,
<cc>.api.io.mi.com) are made to resolve to 127.0.0.1 by wrapping
socket.getaddrinfo in this process only, so the URLs, Host headers and TLS
SNI stay the real ones. The stand-in server's self-signed certificate is
trusted through REQUESTS_CA_BUNDLE (requests reads it for every session,
micloud's too), so certificates are still verified. TLS secrets go to
$SSLKEYLOGFILE (urllib3 2 sets the key log file of its SSL contexts from it).

  client.py --username U --password P [--country de] --out FILE [--local]
  client.py --user-id N --service-token T --ssecurity S [--country cn] --out FILE

The first form logs in (MiCloud.login()); the second sets MiCloud's user_id,
service_token and ssecurity fields instead, as a tool that keeps them from an
earlier login does. Then: get_devices(), blt_get_beaconkey for the first
Bluetooth device, miotspec/prop/get of a MIoT device, home/rpc get_prop of the
device with a loopback localip; with --local, python-miio's miIO.info and
get_prop to that device. One JSON line per call goes to --out: what micloud
and python-miio returned.
"""
import argparse
import json
import os
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLOUD_HOSTS = ("account.xiaomi.com", "sts.api.io.mi.com", "api.io.mi.com")


def resolve_cloud_to_loopback():
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode()
        if host in CLOUD_HOSTS or (host or "").endswith(".api.io.mi.com"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)
    socket.getaddrinfo = getaddrinfo


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--username")
    ap.add_argument("--password")
    ap.add_argument("--user-id")
    ap.add_argument("--service-token")
    ap.add_argument("--ssecurity")
    ap.add_argument("--country", default="de")
    ap.add_argument("--out", required=True)
    ap.add_argument("--local", action="store_true")
    args = ap.parse_args()

    resolve_cloud_to_loopback()
    os.environ["REQUESTS_CA_BUNDLE"] = os.path.join(HERE, "cert.pem")  # this process only
    if not os.environ.get("SSLKEYLOGFILE"):
        sys.exit("client.py: set SSLKEYLOGFILE, or the capture cannot be decrypted")

    from micloud import MiCloud

    out = open(args.out, "a", encoding="utf-8")

    def record(line):
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()

    if args.username:
        mc = MiCloud(args.username, args.password)
        if not mc.login():
            sys.exit("client.py: MiCloud.login() failed")
        record({"kind": "micloud", "call": "login", "user_id": mc.user_id, "ssecurity": mc.ssecurity,
                "service_token": mc.service_token, "cuser_id": mc.cuser_id, "pass_token": mc.pass_token})
    else:
        mc = MiCloud()
        mc.user_id = args.user_id
        mc.service_token = args.service_token
        mc.ssecurity = args.ssecurity
        record({"kind": "micloud", "call": "given", "user_id": mc.user_id, "ssecurity": mc.ssecurity,
                "service_token": mc.service_token})

    devices = mc.get_devices(country=args.country)
    if not devices:
        sys.exit("client.py: get_devices() returned nothing")
    record({"kind": "micloud", "call": "get_devices", "country": args.country, "path": "/home/device_list",
            "result": devices})

    def call(path, data):
        # As token extractors do: the data param is JSON text built by hand.
        raw = mc.request_country(path, args.country, {"data": data})
        if raw is None:
            sys.exit("client.py: %s failed" % path)
        result = json.loads(raw)
        record({"kind": "micloud", "call": "request_country", "country": args.country, "path": path,
                "data": data, "result": result})
        return result

    ble = next(d for d in devices if d["did"].startswith("blt."))
    call("/v2/device/blt_get_beaconkey", '{"did":"' + ble["did"] + '","pdid":1}')
    miot = next(d for d in devices if d["model"] == "zhimi.airp.rmb1")
    call("/miotspec/prop/get", json.dumps({"params": [{"did": miot["did"], "siid": 2, "piid": 1},
                                                      {"did": miot["did"], "siid": 3, "piid": 4},
                                                      {"did": miot["did"], "siid": 3, "piid": 7}]},
                                          separators=(",", ":")))
    local = next(d for d in devices if d["localip"].startswith("127."))
    call("/home/rpc/" + local["did"], json.dumps({"id": 1, "method": "get_prop", "params": ["power", "temperature"]},
                                                 separators=(",", ":")))

    if args.local:
        from miio import Device
        dev = Device(local["localip"], local["token"], timeout=2)
        for method, params in (("miIO.info", []), ("get_prop", ["power", "temperature", "wifi_led"])):
            result = dev.send(method, params)
            record({"kind": "miio", "ip": local["localip"], "did": local["did"],
                    "did_hex": "%08x" % int(local["did"]), "token": local["token"], "model": local["model"],
                    "method": method, "params": params, "result": result})


if __name__ == "__main__":
    main()
