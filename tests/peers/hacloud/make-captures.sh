#!/usr/bin/env bash
# Makes the Xiaomi Home integration cloud captures tests/captures/hacloud-*:
# the integration's own MIoTOauthClient, MIoTHttpClient and MipsCloudClient
# (XiaoMi/ha_xiaomi_home, custom_components/xiaomi_home/miot, from a checkout
# outside this repo) driven by client.py against the stand-ins on loopback
# 127.0.0.40-48 with the real host names: server.py (HTTPS API and account
# profile), mosquitto (Debian's, MQTT 5 over TLS on 8883) with cloud_mqtt.py
# publishing as the cloud, device.py (the listed purifier answering miIO to
# python-miio 0.5.12). Captured by tshark on lo (net 127.0.0.40/29), TLS
# secrets from the client's SSLKEYLOGFILE. Checks every capture with
# decode.py --check, which also writes hacloud-*.expected.jsonl.
# Needs root (capture on lo, port 443), PyPI for the peers' venv, Debian's
# mosquitto, and the integration's source: HACLOUD_SRC (default
# /opt/hacloud-peers/src) holding custom_components/xiaomi_home of
# XiaoMi/ha_xiaomi_home at commit $commit (v0.4.7 and two later commits);
# it is not on PyPI: put a clone or `git archive` of that commit there.
#   tests/peers/hacloud/make-captures.sh [NAME...]   (hacloud-http, hacloud-mqtt; default: both)
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${MIIO_CAPTURES_DIR:-$here/../../captures}" && pwd)
peers=${HACLOUD_PEERS_DIR:-/opt/hacloud-peers}
src=${HACLOUD_SRC:-$peers/src}
commit=f290ff17d89d1d642d8e1cec7e955280d7d51a41
work="$peers/work"

if [ ! -f "$src/custom_components/xiaomi_home/miot/miot_cloud.py" ]; then
  echo "make-captures.sh: no ha_xiaomi_home checkout in $src (custom_components/xiaomi_home/miot);" \
       "put XiaoMi/ha_xiaomi_home at $commit there or set HACLOUD_SRC" >&2
  exit 1
fi
if [ -f "$src/COMMIT" ] && [ "$(cat "$src/COMMIT")" != "$commit" ]; then
  echo "make-captures.sh: warning: $src is $(cat "$src/COMMIT"), not $commit" >&2
fi
mkdir -p "$peers" "$work"
chmod 755 "$peers" "$work"
if [ ! -x "$peers/venv/bin/python" ]; then
  python3 -m venv "$peers/venv"
  # The integration's requirements that its miot_cloud/miot_mips/common need
  # (aiohttp, paho-mqtt as Home Assistant pins it, PyYAML, python-slugify),
  # python-miio for the local calls.
  "$peers/venv/bin/pip" install -q aiohttp==3.14.5 paho-mqtt==2.1.0 PyYAML==6.0.4 python-slugify==9.2.0 \
    python-miio==0.5.12 cryptography==51.0.1
fi
if ! command -v mosquitto >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q mosquitto >/dev/null
fi
py="$peers/venv/bin/python"
[ -f "$here/cert.pem" ] && [ -f "$here/key.pem" ] ||
  "$py" "$here/../gen-cert.py" "$here" ha.api.io.mi.com "*.ha.api.io.mi.com" open.account.xiaomi.com account.xiaomi.com ha.mqtt.io.mi.com "*.mqtt.io.mi.com"

# On any failure, stop what this script started (by pid) before exiting.
tshark_pid= server_pid= device_pid= broker_pid= client_pid=
cleanup() {
  local pid
  for pid in $client_pid $device_pid $server_pid $broker_pid $tshark_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'status=$?; [ $status -eq 0 ] || { echo "make-captures.sh: failed" >&2; cleanup; }' EXIT

wait_for() {  # FILE TEXT
  for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "make-captures.sh: no '$2' in $1" >&2; cat "$1" >&2; return 1
}
start_capture() {
  rm -f "$out/$1.pcapng"
  tshark -q -i lo -f "net 127.0.0.40/29" -w "$out/$1.pcapng" 2>"$work/tshark.err" &
  tshark_pid=$!
  wait_for "$work/tshark.err" "Capturing on"
}
stop_capture() { sleep 0.5; kill -TERM "$tshark_pid"; wait "$tshark_pid" || true; tshark_pid=; }
fresh() { rm -f "$work/keys" "$work"/*.jsonl; export SSLKEYLOGFILE="$work/keys"; }
# finish NAME TRUTH...: the truth file is the given lines files in order.
finish() {
  local name=$1; shift
  cat "$@" >"$out/$name.truth.jsonl"
  cp "$work/keys" "$out/$name.keys"
  "$py" "$here/decode.py" "$out/$name.pcapng"                   # writes $name.expected.jsonl
  "$py" "$here/decode.py" --check --quiet "$out/$name.pcapng"
  chmod 644 "$out/$name".*
}

# 1. Set-up and use of the HTTP API: the OAuth code exchange and the user
#    profile, get_devices_async (gethome, device_list_page without and with
#    dids), miotspec prop/get (several devices, then four entities' reads
#    gathered into one), prop/set, action (without and with "in"), the
#    refresh_token exchange and a prop/get with the new token; then
#    python-miio's miIO.info, get_properties, set_properties and action to
#    the listed zhimi.airp.rmb1 at 127.0.0.44 with the token from the list.
hacloud-http() {
  fresh
  start_capture hacloud-http
  "$py" "$here/server.py" --truth "$work/server.jsonl" >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  wait_for "$work/server.out" ready
  "$py" "$here/device.py" >"$work/device.out" 2>&1 &
  device_pid=$!
  wait_for "$work/device.out" ready
  "$py" "$here/client.py" http --src "$src" --out "$work/client.jsonl" --local
  kill -TERM "$device_pid"; wait "$device_pid" || true; device_pid=
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=
  stop_capture
  finish hacloud-http "$work/server.jsonl" "$work/client.jsonl"
}

# 2. The cloud MQTT link: MipsCloudClient's CONNECT (MQTT 5, TLS, user = the
#    OAuth app id, password = the access token), its SUBSCRIBEs (QoS 2) to
#    every listed device's properties_changed/#, event_occured/# and
#    state/#, then the cloud's pushes (fixtures.PUSHES, QoS 1) delivered to
#    it by mosquitto, and its DISCONNECT. The cloud's own publisher talks to
#    the broker on 127.0.0.48:1883, outside the capture.
hacloud-mqtt() {
  fresh
  local user pass cloud_user cloud_pass n
  read -r user pass cloud_user cloud_pass n < <(cd "$here" && "$py" -c \
    'import fixtures as F; print(F.CLIENT_ID, F.ACCESS_TOKEN, F.CLOUD_MQTT_USER, F.CLOUD_MQTT_PASSWORD, len(F.PUSHES))')
  cp "$here/cert.pem" "$here/key.pem" "$work/"
  chmod 644 "$work/cert.pem" "$work/key.pem"
  rm -f "$work/mosquitto.passwd"; touch "$work/mosquitto.passwd"
  mosquitto_passwd -b "$work/mosquitto.passwd" "$user" "$pass"
  mosquitto_passwd -b "$work/mosquitto.passwd" "$cloud_user" "$cloud_pass"
  chmod 644 "$work/mosquitto.passwd"
  cat >"$work/mosquitto.conf" <<EOF
per_listener_settings false
allow_anonymous false
password_file $work/mosquitto.passwd
persistence false
log_dest file $work/mosquitto.log
log_type all
listener 8883 127.0.0.43
certfile $work/cert.pem
keyfile $work/key.pem
listener 1883 127.0.0.48
EOF
  start_capture hacloud-mqtt
  # mosquitto drops to its own user before it opens the log file.
  rm -f "$work/mosquitto.log"; touch "$work/mosquitto.log"; chmod 666 "$work/mosquitto.log"
  mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.out" 2>&1 &
  broker_pid=$!
  wait_for "$work/mosquitto.log" "listen socket on port 1883"
  "$py" "$here/client.py" mqtt --src "$src" --out "$work/client.jsonl" --expect "$n" \
    >"$work/mqtt-client.out" 2>"$work/mqtt-client.err" &
  client_pid=$!
  wait_for "$work/mqtt-client.out" subscribed
  "$py" "$here/cloud_mqtt.py" --truth "$work/cloud.jsonl"
  wait "$client_pid"; client_pid=
  kill -TERM "$broker_pid"; wait "$broker_pid" || true; broker_pid=
  stop_capture
  finish hacloud-mqtt "$work/cloud.jsonl" "$work/client.jsonl"
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(hacloud-http hacloud-mqtt)
for name in "${names[@]}"; do
  echo "== $name"
  "$name"
done
