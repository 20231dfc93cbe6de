# Shell helpers for scripts that run the real tshark with the freshly built
# plugin (fuzzing, memcheck, benchmarks); the Rust tests have their own in
# tests/common. Source it, then call sandbox_init.
#
# tshark run by root ignores personal plugin folders, so as root it runs as
# user nobody; WIRESHARK_PLUGIN_DIR points at an empty folder so a copy in
# the global plugin folder cannot stand in for this build.

project_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Every key of the test captures (tests/captures/README.md).
miio_test_keys=(
  -o 'uat:miio_keys:"0a1b2c3d","token","3f4a1c2b9d8e7f60112233445566aa01","python-miio basic"'
  -o 'uat:miio_keys:"1c2d3e4f","token","7b3e9f21c4d85a06e1f2a3b4c5d6e7f8","node plug"'
  -o 'uat:miio_keys:"","token","a1b2c3d4e5f60718293a4b5c6d7e8f90","plug"'
  -o 'uat:miio_keys:"","token","5566778899aabbccddeeff0011223344","lamp"'
  -o 'uat:miio_keys:"","token","0123456789abcdef0123456789abcdef","gen1 vacuum"'
  -o 'uat:miio_keys:"","token","fedcba9876543210fedcba9876543210","lossy"'
  -o 'uat:miio_keys:"","token","00112233445566778899aabbccddeeff","quirky"'
  -o 'uat:miio_keys:"","cloud","Xk3mP9qLw2Zr7TbN","vacuum cloud key"'
  -o 'uat:miio_keys:"","token","4d2a7c91e05f3b68a1c4d7e09b2f5a36","port clash"'
  -o 'uat:miio_keys:"","token","31b233b42173d68ac6075695187b4d22","polling"'
  -o 'uat:miio_keys:"","token","00000000000000000000000000000000","python-miio simulator"'
  -o 'uat:miio_keys:"","token","72614675376f68687251504841676c63","S6, second pairing"'
  -o 'uat:miio_keys:"","token","9c3b2d1da5beceee2808a3d3653b485d","air monitor"'
  -o 'uat:miio_keys:"","token","636a356945696c6c76566d48324e6d48","speaker"'
  -o 'uat:miio_keys:"","token","424d6a5077556d7667714535686c4933","vacuum 03d84948"'
  -o 'uat:miio_keys:"","token","4e454b466a34694745345858354d4f43","vacuum 034f0e45"'
  -o 'uat:miio_keys:"","token","34665248426447753954473346777549","vacuum 034c85dd"'
  -o 'uat:miio_keys:"","token","6351394d507672415247364d6a6b4b6d","vacuum 02f20d8f"'
  -o 'uat:miio_keys:"rrV1LocalS7xK8pQ2mZ7sT","roborock","k7Pq2Xz9Lm4Rt8Vw","roborock 1.0"'
  -o 'uat:miio_keys:"rrL01Qrevo9Hc3Nf6Jq1Y","roborock","Zq8Ws3Ed5Rf7Tg9Y","roborock L01"'
  -o 'uat:miio_keys:"rrMqttV1S8pro4Gb7Kd2Hx","roborock","Mn3Bv6Cx9Za2Sd5F","roborock mqtt 1.0"'
  -o 'uat:miio_keys:"rrMqttA01Dyad5Tp8Ue3W","roborock","Hj4Kl7Qw2Er5Ty8U","roborock mqtt A01"'
  -o 'uat:miio_keys:"rrMqttB01Q7max2Lx6Vc9","roborock","Pa9Os8Id7Uf6Yg5H","roborock mqtt B01"'
  -o 'uat:miio_keys:"rrFormsV1Local7Hn2Kp4Q","roborock","Fv1Lk3Mn5Bv7Cx9Z","forms 1.0"'
  -o 'uat:miio_keys:"rrFormsL01Loc8Jm3Rt6W","roborock","Gl0Pq2Wo4Ei6Ru8T","forms L01"'
  -o 'uat:miio_keys:"rrFormsA01Dyad9Sx4Vb1","roborock","Ha1Zx3Cv5Bn7Mq9W","forms A01"'
  -o 'uat:miio_keys:"rrFormsB01Q7Lk2Pn5Tg8","roborock","Jb0Ws2Ed4Rf6Tg8Y","forms B01"'
  -o 'uat:miio_keys:"rrPushV1Local3Kd8Rw2Z","roborock","Pv1Qw3Er5Ty7Ui9O","pushes 1.0"'
  -o 'uat:miio_keys:"rrPushV1Mqtt6Gh1Lp4X","roborock","Pm1Az2Sx3Dc4Fv5G","pushes mqtt 1.0"'
  -o 'uat:miio_keys:"rrPushA01Dyad7Nb2Qc5","roborock","Pa0Lk9Jh8Gf7Ds6A","pushes A01"'
  -o 'uat:miio_keys:"rrPushB01Q7Tm4Vx8Ky","roborock","Pb0Zx1Cv2Bn3Mq4W","pushes B01"'
  -o 'uat:miio_keys:"","token","6a1f0c9e3b7d2584e6a9c0f1b2d3e4f5","unicode"'
  -o 'uat:miio_keys:"","cloud","Qw8Er4Ty2Ui6Op0A","MIoT purifier cloud key"'
  -o 'uat:miio_keys:"A4:C1:38:02:83:F4","bindkey","e9ea895fac7cca6d30532432a516f3a8","LYWSD03MMC"'
  -o 'uat:miio_keys:"","bindkey","b2cf9a553d53571b5657defd582d676e","XMWSDJ04MMC"'
  -o 'uat:miio_keys:"F8:24:41:C5:98:8B","bindkey","b853075158487ca39a5b5ea9","YLKG07YL"'
  -o 'uat:miio_keys:"","token","d7a1afcd714aea144b4996415a1c4a14","Xiaomi Home LAN purifier .51"'
  -o 'uat:miio_keys:"","token","efae78cec5b43e2b64649f8d6ce256b7","Xiaomi Home LAN purifier .52"'
  -o 'uat:miio_keys:"","token","c67257499646d4991e77f8a9de0f7378","Xiaomi Home LAN purifier .53"'
  -o 'uat:miio_keys:"","token","754e2b43a8854ebaf219b9dd1375eebf","mDNS purifier"'
  -o 'tcp.try_heuristic_first:TRUE'
)

# sandbox_init [PLUGIN_SO]: builds the plugin (unless given) and makes
# $sandbox, a private HOME with the plugin installed.
sandbox_init() {
  local so=${1:-${PLUGIN_SO:-}}
  if [ -z "$so" ]; then
    (cd "$project_root" && cargo build --release --quiet)
    so="$project_root/target/release/libmiio_dissector.so"
  fi
  sandbox=$(mktemp -d /tmp/miio-sandbox.XXXXXX)
  local version
  # The personal plugin folder of the tshark that runs (not of the headers
  # built against: a chroot's tshark may differ from this machine's).
  version=$(tshark --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1 | cut -d. -f1,2)
  mkdir -p "$sandbox/.local/lib/wireshark/plugins/$version/epan" "$sandbox/no-global-plugins" "$sandbox/.config/wireshark"
  cp "$so" "$sandbox/.local/lib/wireshark/plugins/$version/epan/miio.so"
  chmod -R a+rwX "$sandbox"
  trap 'rm -rf "$sandbox"' EXIT
}

# as_user CMD...: runs a command the way Wireshark loads personal plugins.
as_user() {
  if [ "$(id -u)" -eq 0 ]; then
    HOME=$sandbox WIRESHARK_PLUGIN_DIR=$sandbox/no-global-plugins \
      setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
  else
    HOME=$sandbox WIRESHARK_PLUGIN_DIR=$sandbox/no-global-plugins "$@"
  fi
}

# without_plugin CMD...: as as_user, but with no plugin at all (an empty
# HOME): what Wireshark alone does with the same input.
without_plugin() {
  mkdir -p "$sandbox/plain-home"
  chmod a+rwx "$sandbox/plain-home"
  if [ "$(id -u)" -eq 0 ]; then
    HOME=$sandbox/plain-home WIRESHARK_PLUGIN_DIR=$sandbox/no-global-plugins \
      setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
  else
    HOME=$sandbox/plain-home WIRESHARK_PLUGIN_DIR=$sandbox/no-global-plugins "$@"
  fi
}

# plugin_protocols: the short names of the protocols the plugin registers
# (those tshark lists with it and not without it), one a line.
plugin_protocols() {
  without_plugin tshark -G protocols | cut -f2 | sort >"$sandbox/protocols-plain"
  as_user tshark -G protocols | cut -f2 | sort >"$sandbox/protocols-plugin"
  comm -13 "$sandbox/protocols-plain" "$sandbox/protocols-plugin"
}

# sandbox_miot_specs: the test spec files in python-miio's cache folder of
# the sandbox, the plugin's default MIoT spec folder: MIoT entries named.
sandbox_miot_specs() {
  mkdir -p "$sandbox/.cache/python-miio"
  cp "$project_root"/tests/captures/miot-specs/*.json "$sandbox/.cache/python-miio/"
  chmod -R a+rwX "$sandbox/.cache"
}

# sandbox_copy FILE...: copies files into the sandbox, readable by nobody.
sandbox_copy() {
  cp "$@" "$sandbox/"
  chmod -R a+rwX "$sandbox"
}

# bench_corpus DOUBLINGS OUT [CAPTURE]: the benchmarks' corpus, a test capture
# (python-miio-basic.pcapng unless given) doubled DOUBLINGS times (real
# frames, the same every time), as classic pcap (dpkt and python-miio read
# only that); readable by nobody.
bench_corpus() {
  local doubled="$sandbox/doubled.pcapng"
  cp "$project_root/tests/captures/${3:-python-miio-basic.pcapng}" "$doubled"
  for _ in $(seq 1 "$1"); do
    mergecap -a -w "$sandbox/next.pcapng" "$doubled" "$doubled"
    mv "$sandbox/next.pcapng" "$doubled"
  done
  editcap -F pcap "$doubled" "$2"
  rm "$doubled"
  chmod a+r "$2"
}

# The key of the benchmarks' corpus (the python-miio capture's device).
bench_key='uat:miio_keys:"0a1b2c3d","token","3f4a1c2b9d8e7f60112233445566aa01","vacuum"'

# bench_twin CORPUS OUT: the corpus's cleartext twin, the same packets with
# each miIO payload replaced by the plaintext the plugin decrypts from it
# (tests/bench/make-twin.py, dpkt's pcap writer). Checks that Wireshark's
# JSON dissector finds every plaintext in it; sets bench_decrypted.
bench_twin() {
  local corpus=$1 twin=$2 in_twin
  chmod -R a+rwX "$sandbox"
  as_user tshark -r "$corpus" -o "$bench_key" -T json -x -j miio > "$sandbox/decrypted.json"
  # Debian's python3, where python3-dpkt (scripts/install-deps.sh) is.
  /usr/bin/python3 "$project_root/tests/bench/make-twin.py" "$corpus" "$sandbox/decrypted.json" "$twin"
  rm "$sandbox/decrypted.json"
  chmod a+r "$twin"
  bench_decrypted=$(as_user tshark -r "$corpus" -o "$bench_key" -Y miio.decrypted -T fields -e frame.number | wc -l)
  in_twin=$(as_user tshark -r "$twin" -d udp.port==54321,json -Y json -T fields -e frame.number | wc -l)
  if [ "$bench_decrypted" -eq 0 ] || [ "$bench_decrypted" -ne "$in_twin" ]; then
    echo "the twin is wrong: $bench_decrypted frames decrypted, $in_twin JSON in the twin" >&2
    return 1
  fi
}

# Medians of the benchmarks' samples ($sandbox/samples, lines "NAME USER SYS
# MAXRSS" from /usr/bin/time): bench_median NAME cpu|rss, the ratio of two
# cases' medians (bench_ratio A B cpu|rss, DIGITS), a case's CPU time.
bench_median() {
  grep "^$1 " "$sandbox/samples" |
    awk -v c="$2" '{ print (c == "cpu" ? $2 + $3 : $4) }' | sort -n |
    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
bench_ratio() { awk -v a="$(bench_median "$1" "$3")" -v b="$(bench_median "$2" "$3")" -v d="${4:-2}" 'BEGIN { printf "%.*f", d, a / b }'; }
bench_cpu() { printf '%.2f s' "$(bench_median "$1" cpu)"; }
