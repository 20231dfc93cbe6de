#!/usr/bin/env bash
# Makes the test captures in tests/captures/ with real peers: python-miio
# 0.5.12 and the Node `miio` 0.15.6 client against responder.py (framing and
# crypto from python-miio's Message) and python-miio 0.6.0.dev0's own device
# simulator, captured by tshark on loopback.
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

# 5b. A MIoT air purifier (zhimi.airp.rmb1) and the Mi cloud over UDP 8053:
#     _otc.info (its model), properties_changed and event_occured pushes, and
#     get_properties / set_properties / action relayed by the cloud.
cloud-miot() {
  start_capture cloud-miot "udp port 8053"
  "$py" "$here/cloud_peer.py" miot 127.0.0.18 "$out/cloud-miot.truth.jsonl"
  stop_capture
}

# 6. Replies with the invalid JSON some firmware sends, and non-JSON.
python-miio-quirks() {
start_capture python-miio-quirks
start_devices --device 127.0.0.13:0c0d0e0f:00112233445566778899aabbccddeeff:quirky
"$py" "$here/python_client.py" 127.0.0.13 00112233445566778899aabbccddeeff \
  '[["quirk_double_comma",[]],["quirk_value_00",[]],["quirk_empty_list",[]],["quirk_empty_list2",[]],["quirk_result_comma",[]],["quirk_after_nul",[]],["quirk_binary",[]],["quirk_text",[]]]' \
  "$out/python-miio-quirks.truth.jsonl" --timeout 1
stop_devices; stop_capture
}

# 7. python-miio 0.5.12 against python-miio 0.6.0.dev0's own device simulator
#    (miiocli devtools miio-simulator, a PushServer on 0.0.0.0:54321; talked to
#    on 127.0.0.1, since it answers from the address the route picks, not the
#    one it was sent to). It accepts only the all-zero token, answers hellos
#    with 16 zero bytes, and puts miIO.info's keys at the top level next to
#    "id" (no "result"). Device id: md5 of the model name, 6673ce18.
python-miio-simulator() {
local venv06="$peers/venv06"
if [ ! -x "$venv06/bin/miiocli" ]; then
  python3 -m venv "$venv06"
  "$venv06/bin/pip" install -q --pre python-miio==0.6.0.dev0
fi
local yaml
yaml=$("$venv06/bin/python" -c 'import miio, os; print(os.path.join(os.path.dirname(miio.__file__), "integrations/zhimi/fan/zhimi_fan.yaml"))')
start_capture python-miio-simulator
"$venv06/bin/miiocli" -d devtools miio-simulator --file "$yaml" --model zhimi.fan.sa1 >"$peers/simulator.out" 2>&1 &
local simulator_pid=$!
for _ in $(seq 100); do grep -q "push server started" "$peers/simulator.out" 2>/dev/null && break; sleep 0.1; done
"$py" "$here/python_client.py" 127.0.0.1 00000000000000000000000000000000 \
  '[["miIO.info",[]],["get_prop",["power","speed","angle","child_lock"]],["set_power",["off"]],["set_angle",[90]],["get_prop",["power","angle"]]]' \
  "$out/python-miio-simulator.truth.jsonl"
kill -TERM "$simulator_pid"; wait "$simulator_pid" || true
stop_capture
}

# 8. Requests from source ports Wireshark gives to other protocols: call 1
#    (its hellos too, the first traffic) and call 3 from 41170 (MANOLITO),
#    call 4 from 44818 (ENIP), call 5 from 34962 (PN-RT); calls 2 and 6 from
#    ordinary ephemeral ports.
python-miio-port-clash() {
start_capture python-miio-port-clash
start_devices --device 127.0.0.14:0e0f1011:4d2a7c91e05f3b68a1c4d7e09b2f5a36
"$py" "$here/python_client.py" 127.0.0.14 4d2a7c91e05f3b68a1c4d7e09b2f5a36 \
  '[["get_prop",["power"]],["get_prop",["power","usb_on"]],["set_power",["on"]],["get_prop",["temperature"]],["set_wifi_led",["off"]],["get_prop",["power"]]]' \
  "$out/python-miio-port-clash.truth.jsonl" \
  --source-port 1:41170 --source-port 3:41170 --source-port 4:44818 --source-port 5:34962
stop_devices; stop_capture
}

# 9. The capture starts after the first client's hello exchange with an
#    unprovisioned device (its hello replies leak the token, but those are not
#    captured); that client's two calls follow, then a second client whose
#    hellos are captured, so the token shows up only then.
python-miio-late-key() {
local go="$peers/late-key.go"
rm -f "$go"
start_devices --device 127.0.0.15:0f101112:9e8d7c6b5a4938271605f4e3d2c1b0a9:leak
"$py" "$here/python_client.py" 127.0.0.15 9e8d7c6b5a4938271605f4e3d2c1b0a9 \
  '[["get_prop",["power","temperature"]],["set_power",["off"]]]' \
  "$out/python-miio-late-key.truth.jsonl" --handshake-then-wait "$go" >"$peers/late-key.out" &
local first_pid=$!
for _ in $(seq 100); do grep -q handshaken "$peers/late-key.out" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
start_capture python-miio-late-key
touch "$go"
wait "$first_pid"
"$py" "$here/python_client.py" 127.0.0.15 9e8d7c6b5a4938271605f4e3d2c1b0a9 \
  '[["miIO.info",[]],["get_prop",["power","wifi_led"]]]' \
  "$out/python-miio-late-key.truth.jsonl" --append
rm -f "$go"
stop_devices; stop_capture
}

# 10. Polling after a lost reply: one client, 1 s timeout, no retries. Call 1
#     get_prop is answered; call 2 (id 2) gets no reply (the device ignores
#     id 2) and python-miio gives up; call 3, 35 s later, is answered; then
#     set_power with retry count 3, whose first try the device ignores, so
#     python-miio retries after its 1 s timeout (new hello, id + 100).
python-miio-polling() {
start_capture python-miio-polling
start_devices --device 127.0.0.16:10111213:31b233b42173d68ac6075695187b4d22:drop=2:lose-first=set_power
"$py" "$here/python_client.py" 127.0.0.16 31b233b42173d68ac6075695187b4d22 \
  '[["get_prop",["power"]],["get_prop",["power"]],["get_prop",["power"]],["set_power",["on"]]]' \
  "$out/python-miio-polling.truth.jsonl" --timeout 1 --retry-count 0 --retry-count 4:3 --pause 3:35
stop_devices; stop_capture
}

# 11. A vacuum whose replies carry the user's own map and room names: long
#     text that is not ASCII (Chinese, an emoji, a soft hyphen).
python-miio-unicode() {
start_capture python-miio-unicode
start_devices --device 127.0.0.17:11121314:6a1f0c9e3b7d2584e6a9c0f1b2d3e4f5:utf8
"$py" "$here/python_client.py" 127.0.0.17 6a1f0c9e3b7d2584e6a9c0f1b2d3e4f5 \
  '[["get_multi_maps_list",[]],["get_room_mapping",[]]]' \
  "$out/python-miio-unicode.truth.jsonl"
stop_devices; stop_capture
}

# 12. MIoT: python-miio 0.6.0.dev0 on both sides. Its MIoT simulator
#     (miiocli devtools miot-simulator, a PushServer on 0.0.0.0:54321, talked to
#     on 127.0.0.1, all-zero token, device id md5("zhimi.airp.rmb1")[:4] =
#     49567965) serves tests/captures/miot-specs/zhimi.airp.rmb1.json; its
#     client is GenericMiot (miot_client.py), which reads the same spec from
#     python-miio's cache. Property values are the simulator's random ones.
#     The simulator never pushes, so after it stops miot_push.py sends a
#     properties_changed and an event_occured from 127.0.0.1:54321 with
#     python-miio's Message (device end and client end), each acknowledged.
miot_venv06() {
  venv06="$peers/venv06"
  if [ ! -x "$venv06/bin/miiocli" ]; then
    python3 -m venv "$venv06"
    "$venv06/bin/pip" install -q --pre python-miio==0.6.0.dev0
  fi
}
start_miot_simulator() {
  "$venv06/bin/miiocli" -d devtools miot-simulator --file "$here/../captures/miot-specs/zhimi.airp.rmb1.json" \
    --model zhimi.airp.rmb1 >"$peers/miot-simulator.out" 2>&1 &
  miot_simulator_pid=$!
  for _ in $(seq 100); do grep -q "push server started" "$peers/miot-simulator.out" 2>/dev/null && break; sleep 0.1; done
}
stop_miot_simulator() { kill -TERM "$miot_simulator_pid"; wait "$miot_simulator_pid" || true; }
miot_spec="$here/../captures/miot-specs/zhimi.airp.rmb1.json"
miot_token=00000000000000000000000000000000

python-miio-miot() {
local venv06; miot_venv06
start_capture python-miio-miot
start_miot_simulator
"$venv06/bin/python" "$here/miot_client.py" 127.0.0.1 "$miot_token" "$miot_spec" \
  '[["status",[]],["get_property_by",[2,4]],["set_property_by",[2,4,2]],["set_property_by",[9,11,10]],["send",["get_properties",[{"did":"mode","siid":2,"piid":4},{"did":"favorite-level","siid":9,"piid":11},{"did":"pm25","siid":3,"piid":4},{"did":"temperature","siid":3,"piid":7},{"did":"filter-used","siid":4,"piid":3}]]],["set_property_by",[9,11,20]],["set_property_by",[3,7,25]],["call_action_by",[4,1,[500]]],["call_action_by",[2,1]],["call_action_by",[4,1,[5000]]],["get_property_by",[99,1]],["get_property_by",[2,99]],["send",["miIO.sub",{"version":"2.0","did":"1","update_ts":1700000000,"sub_method":"."}]]]' \
  "$out/python-miio-miot.truth.jsonl"
stop_miot_simulator
"$venv06/bin/python" "$here/miot_push.py" 127.0.0.1 49567965 "$miot_token" 127.0.0.1 51000 \
  '[[1001,"properties_changed",[{"did":"1230403941","siid":2,"piid":4,"value":1},{"did":"1230403941","siid":3,"piid":4,"value":35},{"did":"1230403941","siid":3,"piid":7,"value":23.5}]],[1002,"event_occured",{"did":"1230403941","siid":9,"eiid":2,"arguments":[]}]]' \
  "$out/python-miio-miot.truth.jsonl" --append
stop_capture
}

# 13. The same device with the model configured (GenericMiot(model=...)):
#     no miIO.info in the capture, only MIoT calls.
python-miio-miot-no-info() {
local venv06; miot_venv06
start_capture python-miio-miot-no-info
start_miot_simulator
"$venv06/bin/python" "$here/miot_client.py" 127.0.0.1 "$miot_token" "$miot_spec" \
  '[["status",[]],["set_property_by",[2,4,1]],["set_property_by",[9,11,3]],["call_action_by",[4,1,[0]]],["get_property_by",[2,4]]]' \
  "$out/python-miio-miot-no-info.truth.jsonl" --model zhimi.airp.rmb1
stop_miot_simulator
stop_capture
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(node-miio-plug python-miio-pairing python-miio-two-devices python-miio-flaky cloud-udp cloud-tcp python-miio-quirks python-miio-simulator python-miio-port-clash python-miio-late-key python-miio-polling python-miio-unicode python-miio-miot python-miio-miot-no-info cloud-miot)
for name in "${names[@]}"; do "$name"; done
find "$out" -maxdepth 1 -type f -exec chmod 644 {} +
ls -l "$out"
