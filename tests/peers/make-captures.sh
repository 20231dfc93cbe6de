#!/usr/bin/env bash
# Makes the test captures in tests/captures/ with real peers: python-miio
# 0.5.12 and the Node `miio` 0.15.6 client against responder.py (framing and
# crypto from python-miio's Message), captured by tshark on loopback.
# Needs root (capture on lo) and network access to PyPI and npm for the peers.
#   tests/peers/make-captures.sh [NAME...]   (default: all; into tests/captures,
#                                             or MIIO_CAPTURES_DIR)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${MIIO_CAPTURES_DIR:-$here/../captures}" && pwd)
peers=${MIIO_PEERS_DIR:-/opt/miio-peers}

mkdir -p "$peers"
if [ ! -x "$peers/venv/bin/python" ]; then
  python3 -m venv "$peers/venv"
  "$peers/venv/bin/pip" install -q python-miio==0.5.12
fi
if [ ! -d "$peers/node/node_modules/miio" ]; then
  mkdir -p "$peers/node"
  (cd "$peers/node" && npm init -y >/dev/null && npm install -q miio@0.15.6 >/dev/null)
fi
py="$peers/venv/bin/python"
export NODE_PATH="$peers/node/node_modules"

# capture NAME DEVICE... -- runs the rest of the function body's client calls
start_capture() {
  tshark -q -i lo -f "${2:-udp port 54321}" -w "$out/$1.pcapng" 2>"$peers/tshark.err" &
  tshark_pid=$!
  for _ in $(seq 50); do grep -q "Capturing on" "$peers/tshark.err" 2>/dev/null && break; sleep 0.1; done
}
stop_capture() { sleep 0.5; kill -TERM "$tshark_pid"; wait "$tshark_pid" || true; }
start_devices() {
  "$py" "$here/responder.py" "$@" >"$peers/responder.out" &
  responder_pid=$!
  for _ in $(seq 50); do grep -q ready "$peers/responder.out" 2>/dev/null && break; sleep 0.1; done
}
stop_devices() { kill -TERM "$responder_pid"; wait "$responder_pid" || true; }

# 1. Node miio client (a second, independent implementation) against a smart plug.
node-miio-plug() {
start_capture node-miio-plug
start_devices --device 127.0.0.4:1c2d3e4f:7b3e9f21c4d85a06e1f2a3b4c5d6e7f8
node "$here/node_client.js" 127.0.0.4 7b3e9f21c4d85a06e1f2a3b4c5d6e7f8 \
  '[["get_prop",["power","temperature","wifi_led"]],["set_power",["off"]],["set_power",["on"]],["get_properties",[{"did":"power","siid":2,"piid":1}]],["not_a_method",[]]]' \
  "$out/node-miio-plug.truth.jsonl"
stop_devices; stop_capture
}

# 2. Pairing: an unprovisioned device leaks its token in the hello reply; the
#    client sends the Wi-Fi credentials with miIO.config_router.
python-miio-pairing() {
start_capture python-miio-pairing
start_devices --device 127.0.0.3:05e6f708:c0ffee00deadbeef0123456789abcdef:leak
"$py" "$here/python_client.py" 127.0.0.3 c0ffee00deadbeef0123456789abcdef \
  '[["miIO.info",[]],["miIO.config_router",{"ssid":"HomeNet","passwd":"correct horse battery staple","uid":1234567890}]]' \
  "$out/python-miio-pairing.truth.jsonl"
stop_devices; stop_capture
}

# 3. Two devices with different tokens, calls interleaved.
python-miio-two-devices() {
start_capture python-miio-two-devices
start_devices --device 127.0.0.5:15a2b3c4:a1b2c3d4e5f60718293a4b5c6d7e8f90 \
              --device 127.0.0.6:0f1e2d3c:5566778899aabbccddeeff0011223344
: >"$out/python-miio-two-devices.truth.jsonl"
for round in 1 2; do
  "$py" "$here/python_client.py" 127.0.0.5 a1b2c3d4e5f60718293a4b5c6d7e8f90 \
    '[["get_prop",["power","usb_on"]],["set_wifi_led",["on"]]]' "$out/python-miio-two-devices.truth.jsonl" --append
  "$py" "$here/python_client.py" 127.0.0.6 5566778899aabbccddeeff0011223344 \
    '[["get_properties",[{"did":"1","siid":2,"piid":1}]],["set_properties",[{"did":"1","siid":2,"piid":1,"value":true}]]]' \
    "$out/python-miio-two-devices.truth.jsonl" --append
done
stop_devices; stop_capture
}

# 4. A first-generation vacuum that sends every reply twice, and a device on a
#    lossy link that misses some requests (python-miio retries with id + 100).
python-miio-flaky() {
start_capture python-miio-flaky
start_devices --device 127.0.0.7:07a1b2c3:0123456789abcdef0123456789abcdef:dup \
              --device 127.0.0.8:08d4e5f6:fedcba9876543210fedcba9876543210:lossy
: >"$out/python-miio-flaky.truth.jsonl"
"$py" "$here/python_client.py" 127.0.0.7 0123456789abcdef0123456789abcdef \
  '[["get_prop",["power"]],["set_power",["off"]],["get_prop",["power","usb_on"]]]' \
  "$out/python-miio-flaky.truth.jsonl" --append
"$py" "$here/python_client.py" 127.0.0.8 fedcba9876543210fedcba9876543210 \
  '[["get_prop",["power"]],["set_power",["on"]],["get_prop",["temperature"]],["set_wifi_led",["on"]]]' \
  "$out/python-miio-flaky.truth.jsonl" --append --timeout 1
stop_devices; stop_capture
}

# 5. A vacuum and the Mi cloud (cloud key), then local traffic with its token,
#    which only the cloud side reveals (_otc.info). Over UDP 8053 and over TCP 80.
cloud() {
  local transport=$1 server=$2
  start_capture "cloud-$transport" "udp port 8053 or tcp port 80 or udp port 54321"
  "$py" "$here/cloud_peer.py" "$transport" "$server" "$out/cloud-$transport.truth.jsonl"
  start_devices --device 127.0.0.12:1d2e3f40:8b1e4c7a2f9d0e3b5a6c7d8e9f0a1b2c
  "$py" "$here/python_client.py" 127.0.0.12 8b1e4c7a2f9d0e3b5a6c7d8e9f0a1b2c \
    '[["get_prop",["power"]],["set_power",["on"]]]' "$out/cloud-$transport.local.truth.jsonl"
  stop_devices; stop_capture
}
cloud-udp() { cloud udp 127.0.0.10; }
cloud-tcp() { cloud tcp 127.0.0.11; }

# 6. Replies with the invalid JSON some firmware sends, and non-JSON.
python-miio-quirks() {
start_capture python-miio-quirks
start_devices --device 127.0.0.13:0c0d0e0f:00112233445566778899aabbccddeeff:quirky
"$py" "$here/python_client.py" 127.0.0.13 00112233445566778899aabbccddeeff \
  '[["quirk_double_comma",[]],["quirk_value_00",[]],["quirk_empty_list",[]],["quirk_empty_list2",[]],["quirk_result_comma",[]],["quirk_after_nul",[]],["quirk_binary",[]],["quirk_text",[]]]' \
  "$out/python-miio-quirks.truth.jsonl" --timeout 1
stop_devices; stop_capture
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(node-miio-plug python-miio-pairing python-miio-two-devices python-miio-flaky cloud-udp cloud-tcp python-miio-quirks)
for name in "${names[@]}"; do "$name"; done
chmod 644 "$out"/*
ls -l "$out"
