#!/usr/bin/env bash
# Makes the Roborock test captures tests/captures/roborock-*.pcapng with real
# peers: python-roborock's own clients (LocalChannel and the V1 RPC channel,
# its discovery receiver, its MQTT session and V1/A01/B01 channels) against
# device-side peers whose frames python-roborock's MessageParser / encoders
# build and parse, on loopback, captured by tshark. Then checks each capture
# with check-capture.py (its own decryption, not the dissector) and writes the
# frame numbers into the truth files.
# Needs root (capture on lo), network access to PyPI (python-roborock) and the
# Debian package mosquitto (for roborock-mqtt).
#   tests/peers/roborock/make-captures.sh [NAME...]   (default: all; into
#                                tests/captures, or ROBOROCK_CAPTURES_DIR)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${ROBOROCK_CAPTURES_DIR:-$here/../../captures}" && pwd)
peers=${ROBOROCK_PEERS_DIR:-/opt/roborock-peers}
version=${PYTHON_ROBOROCK_VERSION:-7.13.0}

mkdir -p "$peers"
if [ ! -x "$peers/venv/bin/python" ]; then
  python3 -m venv "$peers/venv"
fi
if ! "$peers/venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('python-roborock') != '$version')" 2>/dev/null; then
  "$peers/venv/bin/pip" install -q "python-roborock==$version" cryptography
fi
py="$peers/venv/bin/python"
export PYTHONDONTWRITEBYTECODE=1
filter="tcp port 58867 or udp port 58866 or tcp port 1883"

start_capture() {
  rm -f "$out/$1.pcapng" "$out/$1.truth.jsonl"
  tshark -q -i lo -f "$filter" -w "$out/$1.pcapng" 2>"$peers/tshark.err" &
  tshark_pid=$!
  for _ in $(seq 50); do grep -q "Capturing on" "$peers/tshark.err" 2>/dev/null && break; sleep 0.1; done
}
stop_capture() { sleep 0.5; kill -TERM "$tshark_pid"; wait "$tshark_pid" || true; }
start_device() {
  "$py" "$here/device.py" "$@" >"$peers/device.out" 2>&1 &
  device_pid=$!
  for _ in $(seq 50); do grep -q ready "$peers/device.out" 2>/dev/null && break; sleep 0.1; done
}
stop_device() { kill -TERM "$device_pid"; wait "$device_pid" || true; }
finish() {  # NAME: append the client's lines, check, number the frames, name the data points
  cat "$peers/$1.client.jsonl" >>"$out/$1.truth.jsonl"
  rm -f "$peers/$1.client.jsonl"
  "$py" "$here/check-capture.py" "$out/$1.pcapng" --annotate
  "$py" "$here/name-data-points.py" "$out/$1.truth.jsonl" >"$out/$1.dps.jsonl"
}

# hello, pings (a bare 17-byte reply, a 21-byte reply whose trailer is a return
# code), get_status, get_consumable (reply + a push in one TCP write), app_start,
# an error reply, an unknown method, a map (one frame in two TCP writes), two
# calls sent concurrently.
CALLS='[["get_status",null],["@ping"],["get_consumable",null],["app_start",null],["app_goto_target",[25500,25500]],["not_a_method",[]],["@map"],["@ping"],["@pair",["get_status",null],["get_consumable",null]]]'

roborock-local-v1() {
  start_capture roborock-local-v1
  start_device --name v1 --mode 1.0 --truth "$out/roborock-local-v1.truth.jsonl"
  "$py" "$here/local_client.py" v1 "$CALLS" "$peers/roborock-local-v1.client.jsonl"
  stop_device; stop_capture; finish roborock-local-v1
}

# The device ignores the client's 1.0 hello; 5 s later the client says hello in L01.
roborock-local-l01() {
  start_capture roborock-local-l01
  start_device --name l01 --mode L01 --truth "$out/roborock-local-l01.truth.jsonl"
  "$py" "$here/local_client.py" l01 "$CALLS" "$peers/roborock-local-l01.client.jsonl"
  stop_device; stop_capture; finish roborock-local-l01
}

roborock-discovery() {
  start_capture roborock-discovery
  "$py" "$here/discovery.py" "$out/roborock-discovery.truth.jsonl"
  stop_capture
  "$py" "$here/check-capture.py" "$out/roborock-discovery.pcapng" --annotate
}

roborock-mqtt() {
  if ! command -v mosquitto >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q mosquitto >/dev/null
  fi
  printf 'listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stdout\n' >"$peers/mosquitto.conf"
  start_capture roborock-mqtt
  mosquitto -c "$peers/mosquitto.conf" >"$peers/mosquitto.log" 2>&1 &
  local broker_pid=$!
  for _ in $(seq 50); do grep -q "Opening ipv4 listen socket on port 1883" "$peers/mosquitto.log" 2>/dev/null && break; sleep 0.1; done
  "$py" "$here/mqtt_peers.py" device "$out/roborock-mqtt.truth.jsonl" >"$peers/mqtt-device.out" 2>&1 &
  local dev_pid=$!
  for _ in $(seq 50); do grep -q ready "$peers/mqtt-device.out" 2>/dev/null && break; sleep 0.1; done
  "$py" "$here/mqtt_peers.py" client "$peers/roborock-mqtt.client.jsonl" 2>"$peers/mqtt-client.err"
  sleep 0.3
  kill -TERM "$dev_pid"; wait "$dev_pid" || true
  kill -TERM "$broker_pid"; wait "$broker_pid" || true
  stop_capture; finish roborock-mqtt
}

# with_broker NAME SCRIPT: captures NAME while SCRIPT (forms.py, pushes.py)
# runs its device, then its client, against a local mosquitto broker.
with_broker() {
  local name=$1 script=$2 stem=${2%.py}
  if ! command -v mosquitto >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q mosquitto >/dev/null
  fi
  printf 'listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stdout\n' >"$peers/mosquitto.conf"
  start_capture "$name"
  mosquitto -c "$peers/mosquitto.conf" >"$peers/mosquitto.log" 2>&1 &
  local broker_pid=$!
  for _ in $(seq 50); do grep -q "Opening ipv4 listen socket on port 1883" "$peers/mosquitto.log" 2>/dev/null && break; sleep 0.1; done
  "$py" "$here/$script" device "$out/$name.truth.jsonl" >"$peers/$stem-device.out" 2>&1 &
  local dev_pid=$!
  for _ in $(seq 50); do grep -q "mqtt ready" "$peers/$stem-device.out" 2>/dev/null && break; sleep 0.1; done
  "$py" "$here/$script" client "$peers/$name.client.jsonl" 2>"$peers/$stem-client.err"
  sleep 0.3
  kill -TERM "$dev_pid"; wait "$dev_pid" || true
  kill -TERM "$broker_pid"; wait "$broker_pid" || true
  stop_capture; finish "$name"
}

# Every version x direction x protocol number python-roborock's encoders make,
# each request answered (B01 in four reply forms and an error, A01 query and
# set), and the empty payloads of payload=b"" (1.0 ping response with payload
# length 0, L01 ping response that is only the GCM tag); see forms.py.
roborock-forms() { with_broker roborock-forms forms.py; }

# Pushed data points named by python-roborock (pushes.py): a 1.0 device on
# local TCP pushing every V1 data point, and 1.0, A01 (Dyad and Zeo ids) and
# B01 pushes over MQTT, each started by a request of python-roborock's client.
roborock-pushes() { with_broker roborock-pushes pushes.py; }

cd "$here"  # the peers import common.py from here
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(roborock-local-v1 roborock-local-l01 roborock-discovery roborock-mqtt roborock-forms roborock-pushes)
for name in "${names[@]}"; do "$name"; done
chmod 644 "$out"/roborock-*
ls -l "$out"/roborock-*
