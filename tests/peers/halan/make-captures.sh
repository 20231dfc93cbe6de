#!/usr/bin/env bash
# Makes tests/captures/halan-control.pcapng and tests/captures/mdns-miio.pcapng
# (issue 28, items 2 and 3) with real peers, in a network namespace of their
# own whose only interface is its loopback (addresses 127.0.0.50-59):
#
# halan-control: the Xiaomi Home integration's own LAN control, class MIoTLan
#   of XiaoMi/ha_xiaomi_home (custom_components/xiaomi_home/miot/miot_lan.py,
#   from a checkout outside this repo, HALAN_SRC), driven by client.py, against
#   three stand-in purifiers (device.py) that follow that file's protocol: its
#   broadcast and unicast probes, the MSUB replies, miIO.sub, get/set/action,
#   device pushes and their acks, miIO.unsub.
# mdns-miio: three devices announcing _miio._udp.local with python-zeroconf
#   (mdns.py announce; one of them with a broken TXT), a zeroconf browser as
#   Home Assistant's discovery (mdns.py browse), then python-miio 0.5.12's
#   get_properties/set_properties (../python_client.py) to the purifier
#   (device.py), no miIO.info.
#
# Why a namespace: the integration sends its probe to 255.255.255.255 from a
# socket bound to '' with SO_BINDTODEVICE; on the host's lo that leaves with
# source 0.0.0.0 (lo has no address of scope link) and mDNS needs multicast,
# which the host's lo lacks. In the namespace (nothing but its own lo):
#   ip addr add 127.0.0.50/32 dev lo scope link   -> source of the broadcast
#   local route 127.0.0.0/8 with src 127.0.0.50   -> source of every unicast
#                                                    from a socket bound to ''
#   lo multicast on, 224.0.0.0/4 via lo           -> mDNS
#   mDNS device 127.0.0.NN runs as uid 600NN, and a rule for that uid picks a
#   table whose 127.0.0.0/8 route has src 127.0.0.NN -> the source of its
#   answers sent from zeroconf's socket bound to 0.0.0.0:5353
# The other addresses are not added to lo: an address of its own would give
# its local route its own src, and the client's unicasts would leave from it.
#
# Then decode.py (tshark without this project's plugin, own parsing) writes
# NAME.expected.jsonl and checks it against NAME.truth.jsonl.
# Needs root (namespace, capture), PyPI for the venv, the integration's
# source in HALAN_SRC (default /opt/halan-peers/src, holding
# custom_components/xiaomi_home of XiaoMi/ha_xiaomi_home at $commit).
#   tests/peers/halan/make-captures.sh [halan-control|mdns-miio]...   (default: both)
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${MIIO_CAPTURES_DIR:-$here/../../captures}" && pwd)
peers=${HALAN_PEERS_DIR:-/opt/halan-peers}
src=${HALAN_SRC:-$peers/src}
commit=f290ff17d89d1d642d8e1cec7e955280d7d51a41
work="$peers/work"
ns=halan-captures

if [ ! -f "$src/custom_components/xiaomi_home/miot/miot_lan.py" ]; then
  echo "make-captures.sh: no ha_xiaomi_home checkout in $src (custom_components/xiaomi_home/miot);" \
       "put XiaoMi/ha_xiaomi_home at $commit there (git archive) or set HALAN_SRC" >&2
  exit 1
fi
if [ -f "$src/COMMIT" ] && [ "$(cat "$src/COMMIT")" != "$commit" ]; then
  echo "make-captures.sh: warning: $src is $(cat "$src/COMMIT"), not $commit" >&2
fi
mkdir -p "$peers" "$work"
chmod 755 "$peers" "$work"
if [ ! -x "$peers/venv/bin/python" ]; then
  # Debian's python3, not one under /root: the mDNS devices run as other users.
  /usr/bin/python3 -m venv "$peers/venv"
  # miot_lan.py needs cryptography; its package's common.py needs PyYAML,
  # paho-mqtt (MQTTMatcher) and python-slugify; miot_mdns.py needs zeroconf
  # (also the announcer and browser here); python-miio is the mDNS capture's client.
  "$peers/venv/bin/pip" install -q cryptography==51.0.1 PyYAML==6.0.4 paho-mqtt==2.1.0 python-slugify==9.2.0 \
    zeroconf==0.154.0 python-miio==0.5.12
fi
py="$peers/venv/bin/python"
inns() { ip netns exec "$ns" "$@"; }

tshark_pid= device_pid= mdns_pids=
cleanup() {
  local pid
  for pid in $mdns_pids $device_pid $tshark_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
}
trap 'status=$?; cleanup; [ $status -eq 0 ] || echo "make-captures.sh: failed" >&2' EXIT

make_ns() {
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  inns ip link set lo up
  inns ip link set lo multicast on
  inns ip addr add 127.0.0.50/32 dev lo scope link
  inns ip route replace local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.50 table local
  inns ip route add 224.0.0.0/4 dev lo src 127.0.0.50
  # Per-device source address for sockets the device did not bind (zeroconf
  # answers a multicast "QU" question from its listening socket on
  # 0.0.0.0:5353): each mDNS device runs as uid 600NN, whose route lookups
  # go to a table where 127.0.0.0/8 has src 127.0.0.NN.
  inns ip rule add pref 100 lookup local
  inns ip rule del pref 0
  local a
  for a in 55 56 57; do
    inns ip rule add pref 10 uidrange "600$a-600$a" lookup "1$a"
    inns ip route add local 127.0.0.0/8 dev lo src "127.0.0.$a" table "1$a"
    inns ip route add 224.0.0.0/4 dev lo src "127.0.0.$a" table "1$a"
  done
}

wait_for() {  # FILE TEXT
  for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "make-captures.sh: no '$2' in $1" >&2; cat "$1" >&2; return 1
}
start_capture() {  # NAME FILTER
  rm -f "$out/$1.pcapng"
  ip netns exec "$ns" tshark -q -i lo -f "$2" -w "$out/$1.pcapng" 2>"$work/tshark.err" &
  tshark_pid=$!
  wait_for "$work/tshark.err" "Capturing on"
}
stop_capture() { sleep 0.5; kill -TERM "$tshark_pid"; wait "$tshark_pid" || true; tshark_pid=; }
start_devices() {  # SET NAME...
  local set=$1; shift
  local args=() d
  for d in "$@"; do args+=(--device "$d"); done
  ip netns exec "$ns" "$py" "$here/device.py" --set "$set" "${args[@]}" --log "$work/device.jsonl" \
    --control "$work/device.ctl" >"$work/device.out" 2>&1 &
  device_pid=$!
  wait_for "$work/device.out" ready
}
stop_devices() { kill -TERM "$device_pid"; wait "$device_pid" || true; device_pid=; }

halan-control() {
  rm -f "$work"/*.jsonl "$work"/*.log
  make_ns
  start_capture halan-control "udp port 54321"
  start_devices lan purifier purifier64 purifier-nowild
  inns "$py" "$here/client.py" "$src" "$work/device.ctl" "$work/client.jsonl" --log "$work/client.log"
  sleep 0.5
  stop_devices
  stop_capture
  cat "$work/client.jsonl" "$work/device.jsonl" >"$out/halan-control.truth.jsonl"
  "$py" "$here/handmade.py" >>"$out/halan-control.truth.jsonl"
  ip netns del "$ns"
  finish halan-control lan
}

mdns-miio() {
  rm -f "$work"/*.jsonl "$work"/*.log
  make_ns
  start_capture mdns-miio "udp port 5353 or udp port 54321"
  start_devices mdns purifier
  local name
  local -A addr=([purifier]=127.0.0.55 [gateway]=127.0.0.56 [light]=127.0.0.57)
  mdns_pids=
  for name in purifier gateway light; do
    local uid=600${addr[$name]##*.}
    ip netns exec "$ns" setpriv --reuid="$uid" --regid="$uid" --clear-groups "$py" "$here/mdns.py" announce "$name" \
      >"$work/mdns-$name.jsonl" 2>"$work/mdns-$name.err" &
    mdns_pids="$mdns_pids $!"
    wait_for "$work/mdns-$name.jsonl" mdns_registered
  done
  inns "$py" "$here/mdns.py" browse client >"$work/mdns-client.jsonl"
  local token
  token=$("$py" -c 'import sys; sys.path.insert(0, sys.argv[1]); import fixtures as F; print(F.MDNS_DEVICES["purifier"]["token"])' "$here")
  inns "$py" "$here/../python_client.py" 127.0.0.55 "$token" \
    '[["get_properties",[{"did":"287454020","siid":2,"piid":1},{"did":"287454020","siid":2,"piid":4},{"did":"287454020","siid":3,"piid":4},{"did":"287454020","siid":3,"piid":7}]],["set_properties",[{"did":"287454020","siid":2,"piid":4,"value":1}]],["get_properties",[{"did":"mode","siid":2,"piid":4},{"did":"filter-life-level","siid":4,"piid":1},{"did":"favorite-level","siid":9,"piid":11}]]]' \
    "$work/miio-client.jsonl"
  local pid
  for pid in $mdns_pids; do kill -TERM "$pid"; wait "$pid" || true; done   # goodbyes (TTL 0)
  mdns_pids=
  stop_devices
  stop_capture
  "$py" - "$work" >"$out/mdns-miio.truth.jsonl" <<'EOF'
import json, sys
work = sys.argv[1]
for name in ("mdns-purifier", "mdns-gateway", "mdns-light", "mdns-client"):
    sys.stdout.write(open("%s/%s.jsonl" % (work, name)).read())
for line in open(work + "/miio-client.jsonl"):
    print(json.dumps({"side": "client", "kind": "python-miio", **json.loads(line)}))
sys.stdout.write(open(work + "/device.jsonl").read())
EOF
  ip netns del "$ns"
  finish mdns-miio mdns
}

finish() {  # NAME SET: decode.py gets the tokens of the set's devices
  local name=$1 set=$2 tokens
  mapfile -t tokens < <("$py" -c 'import sys; sys.path.insert(0, sys.argv[1]); import fixtures as F
for d in (F.LAN_DEVICES if sys.argv[2] == "lan" else F.MDNS_DEVICES).values():
    if "token" in d: print("--token=%d:%s" % (d["did"], d["token"]))' "$here" "$set")
  chmod 644 "$out/$name".*
  "$py" "$here/decode.py" "$out/$name.pcapng" "${tokens[@]}" --write --quiet
  "$py" "$here/decode.py" "$out/$name.pcapng" "${tokens[@]}" --check
  chmod 644 "$out/$name".*
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(halan-control mdns-miio)
for name in "${names[@]}"; do "$name"; done
ls -l "$out"/halan-* "$out"/mdns-*
