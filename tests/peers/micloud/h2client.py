#!/usr/bin/env python3
"""An HTTP/2 Mi Home cloud client for test captures: httpx with h2 (one
connection, one stream per call) and micloud 0.6's own miutils functions for
the crypto (gen_nonce, signed_nonce, generate_enc_params, decrypt_rc4), with
the headers and cookies micloud's MiCloud.request() sends.

micloud itself speaks only HTTP/1.1 (requests); this is what a client of the
same library on HTTP/2 puts on the wire. Host names resolve to 127.0.0.1 as in
client.py; the stand-in's certificate is trusted through an SSL context from
ssl.create_default_context(), which also takes $SSLKEYLOGFILE.

  h2client.py --user-id N --service-token T --ssecurity S [--country sg] --out FILE
              [--no-clear-ssecurity-from N]

--no-clear-ssecurity-from N: from call N on (counting from 1) the `ssecurity`
field that generate_enc_params adds in clear is taken out of the form, so
those calls decrypt only with a configured ssecurity. One JSON line per call
goes to --out: what decrypt_rc4 gave back.
"""
import argparse
import json
import os
import ssl
import sys

from client import resolve_cloud_to_loopback

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user-id", required=True)
    ap.add_argument("--service-token", required=True)
    ap.add_argument("--ssecurity", required=True)
    ap.add_argument("--country", default="sg")
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-clear-ssecurity-from", type=int, default=0)
    args = ap.parse_args()
    if not os.environ.get("SSLKEYLOGFILE"):
        sys.exit("h2client.py: set SSLKEYLOGFILE, or the capture cannot be decrypted")
    resolve_cloud_to_loopback()

    import httpx
    from micloud import miutils

    base = "https://" + ("" if args.country == "cn" else args.country + ".") + "api.io.mi.com/app"
    ctx = ssl.create_default_context(cafile=os.path.join(HERE, "cert.pem"))
    headers = {
        "User-Agent": "Android-7.1.1-1.0.0-ONEPLUS A3010-136-" + miutils.get_random_agent_id()
                      + " APP/xiaomi.smarthome APPV/62830",
        "Accept-Encoding": "identity",
        "x-xiaomi-protocal-flag-cli": "PROTOCAL-HTTP2",
        "content-type": "application/x-www-form-urlencoded",
        "MIOT-ENCRYPT-ALGORITHM": "ENCRYPT-RC4",
    }
    cookies = {"sdkVersion": "3.8.6", "deviceId": miutils.get_random_string(6), "userId": args.user_id,
               "yetAnotherServiceToken": args.service_token, "serviceToken": args.service_token,
               "locale": "en_US", "timezone": "GMT+00:00", "is_daylight": "0", "dst_offset": "0",
               "channel": "MI_APP_STORE"}
    out = open(args.out, "a", encoding="utf-8")
    with httpx.Client(http2=True, verify=ctx, headers=headers, cookies=cookies, trust_env=False) as http:
        def call(n, path, data):
            url = base + path
            nonce = miutils.gen_nonce()
            signed = miutils.signed_nonce(args.ssecurity, nonce)
            form = miutils.generate_enc_params(url, "POST", signed, nonce, {"data": data}, args.ssecurity)
            clear = not (args.no_clear_ssecurity_from and n >= args.no_clear_ssecurity_from)
            if not clear:
                del form["ssecurity"]
            resp = http.post(url, data=form)
            if resp.http_version != "HTTP/2" or resp.status_code != 200:
                sys.exit("h2client.py: %s answered %s %s" % (path, resp.http_version, resp.status_code))
            result = json.loads(miutils.decrypt_rc4(signed, resp.text))
            out.write(json.dumps({"kind": "micloud", "call": "h2_request", "country": args.country, "path": path,
                                  "data": data, "ssecurity_in_form": clear, "result": result},
                                 ensure_ascii=False) + "\n")
            out.flush()
            return result

        out.write(json.dumps({"kind": "micloud", "call": "given", "user_id": args.user_id,
                              "ssecurity": args.ssecurity, "service_token": args.service_token}) + "\n")
        devices = call(1, "/home/device_list", '{"getVirtualModel":true,"getHuamiDevices":1,'
                       '"get_split_device":false,"support_smart_home":true}')["result"]["list"]
        ble = next(d for d in devices if d["did"].startswith("blt."))
        call(2, "/v2/device/blt_get_beaconkey", '{"did":"' + ble["did"] + '","pdid":1}')
        miot = next(d for d in devices if d["model"] == "zhimi.airp.rmb1")
        call(3, "/miotspec/prop/get", json.dumps({"params": [{"did": miot["did"], "siid": 2, "piid": 4},
                                                             {"did": miot["did"], "siid": 4, "piid": 1}]},
                                                 separators=(",", ":")))
        local = next(d for d in devices if d["localip"].startswith("127."))
        call(4, "/home/rpc/" + local["did"], json.dumps({"id": 2, "method": "get_prop", "params": ["usb_on"]},
                                                         separators=(",", ":")))


if __name__ == "__main__":
    main()
