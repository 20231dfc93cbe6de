#!/usr/bin/env bash
# Takes the README's screenshots from the real Wireshark GUI, under Xvfb,
# with the freshly built plugin (installed in a private HOME, as the tests
# do: tests/lib/sandbox.sh), and writes them to docs/*.png:
#
#   docs/pairing-no-key.png    the pairing capture, no key configured: frame 9
#                              (miIO.config_router) decrypted with the token
#                              the hello reply leaked; the miIO tree expanded
#   docs/key-table.png         the key table dialog (Protocol Preferences ▸
#                              Device tokens and cloud keys…) with three rows
#   docs/decrypted-bytes.png   the "Decrypted miIO" bytes tab of that frame
#   docs/miot-names.png        the python-miio MIoT capture with its spec
#                              folder set: frame 10 (GenericMiot's status
#                              reply), the decrypted payload's MIoT entries
#   docs/mibeacon.png          the MiBeacon LE LL capture with the motion
#                              sensor's bindkey: frame 74, decrypted (motion,
#                              illuminance), the MiBeacon tree expanded
#
#   docs/screenshots.sh        (Debian; installs wireshark-qt xvfb xdotool
#                              imagemagick when missing, through sudo when not root)
#
# The clicks are at fixed places of a 1280x860 screen with Wireshark 4.0's
# default layout and DejaVu fonts; on another version, look at the pictures
# before committing them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lib/sandbox.sh"

need=()
for p in wireshark-qt xvfb xdotool imagemagick fonts-dejavu-core; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "wireshark-common wireshark-common/install-setuid boolean false" | "${sudo[@]}" debconf-set-selections
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi

sandbox_init
sandbox_copy "$project_root"/tests/captures/python-miio-pairing.pcapng "$project_root"/tests/captures/python-miio-basic.pcapng \
  "$project_root"/tests/captures/python-miio-miot.pcapng "$project_root"/tests/captures/mibeacon-le-ll.pcap
mkdir -p "$sandbox/specs"
cp "$project_root"/tests/captures/miot-specs/*.json "$sandbox/specs/"
echo "miio.miot_spec_dir: $sandbox/specs" >"$sandbox/.config/wireshark/preferences"
# The key table as the GUI saves it in the profile.
cat >"$sandbox/.config/wireshark/miio_keys" <<'EOF'
"0a1b2c3d","token","3f4a1c2b9d8e7f60112233445566aa01","vacuum"
"","cloud","Xk3mP9qLw2Zr7TbN","vacuum cloud key (any device)"
"49567965","token","00000000000000000000000000000000","air purifier"
"A4:C1:38:05:8E:E9","bindkey","7475a4a77584401780ffc3ee62dd353c","motion sensor"
EOF
chmod -R a+rwX "$sandbox"

display=:${SCREENSHOT_DISPLAY:-77}
export DISPLAY=$display
Xvfb "$display" -screen 0 1280x860x24 -nolisten tcp >"$sandbox/xvfb.log" 2>&1 &
xvfb=$!
wireshark_pid=
stop() {
  [ -z "$wireshark_pid" ] || kill "$wireshark_pid" 2>/dev/null || true
  kill "$xvfb" 2>/dev/null || true
  rm -rf "$sandbox"
}
trap stop EXIT
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.2; done

# window NAME: waits (up to 60 s) for a window whose name matches; prints its id.
window() {
  local id
  for _ in $(seq 120); do
    id=$(xdotool search --name "$1" 2>/dev/null | head -1) && [ -n "$id" ] && { echo "$id"; return 0; }
    sleep 0.5
  done
  echo "screenshots: no window named $1 appeared" >&2
  return 1
}

# open CAPTURE FRAME: starts Wireshark on it, frame selected, window filling the screen.
open() {
  (cd "$sandbox" && as_user wireshark -r "$sandbox/$1" -g "$2" >"$sandbox/wireshark.log" 2>&1) &
  wireshark_pid=$!
  local w
  w=$(window "^$1\$")
  sleep 3 # the first pass, the second, and the packet selected
  xdotool windowmove "$w" 0 0 windowsize "$w" 1280 860
  sleep 1
}
close() {
  kill "$wireshark_pid" 2>/dev/null || true
  wait "$wireshark_pid" 2>/dev/null || true
  wireshark_pid=
  sleep 1
}
click() { xdotool mousemove "$1" "$2" click "${3:-1}"; sleep "${4:-1}"; }
shot() { import -window root "$here/$1"; echo "screenshots: docs/$1"; }

# The miIO line of the details pane (5th: Frame, Ethernet, IP, UDP, miIO).
miio_line=(120 543)

open python-miio-pairing.pcapng 9
click "${miio_line[@]}"
xdotool key shift+Right # expand the subtrees
sleep 1
shot pairing-no-key.png
click 890 822 # the "Decrypted miIO" bytes tab
shot decrypted-bytes.png
close

open python-miio-basic.pcapng 22
click "${miio_line[@]}" 3 # context menu
click 216 453             # Protocol Preferences
click 628 480 1 2         # Device tokens and cloud keys…
window "^miIO keys\$" >/dev/null
shot key-table.png
close

# The MIoT reply: the decrypted payload's subtree holds the named entries,
# below the header fields: miIO expanded one level, then from the tree's
# last line (the JSON dissector's) up to "Decrypted payload" (above Request
# In and Time), expanded, and the view scrolled to the end.
open python-miio-miot.pcapng 10
click "${miio_line[@]}"
xdotool key Right End Up Up Up Right
sleep 0.5
xdotool key End Up
sleep 1
shot miot-names.png
close

# The MiBeacon advert: Frame, Bluetooth, RF info, Link Layer, then MiBeacon
# (Wireshark 4.0's postdissector puts it last, at the miIO line's place).
open mibeacon-le-ll.pcap 74
click "${miio_line[@]}"
xdotool key shift+Right # expand the subtrees
sleep 1
shot mibeacon.png
close
