#!/usr/bin/env bash
# Installs what building and testing the plugin need, when missing
# (Debian/Ubuntu; apt-get as root, or through sudo). Safe to run again.
#
# Never asks a question: apt runs with DEBIAN_FRONTEND=noninteractive (passed
# through sudo with `env`, which sudo would otherwise drop), and the one
# question Wireshark's packages ask -- may non-superusers capture packets? --
# is answered "no" before they are installed (setup.sh prints how to allow
# live capture). apt's own output stays on screen.
#
# Rust: needs the rust-version of Cargo.toml (1.85) or newer, for the user
# who builds (under sudo: the one who ran sudo; see as_builder). A rustup
# toolchain or the distribution's that is new enough is used as it is;
# otherwise the distribution's package that is new enough is installed
# (Debian 13: cargo; Debian 12: cargo-web), or one line says what to run.
set -euo pipefail
cd "$(dirname "$0")/.."

rust_version=$(sed -n 's/^rust-version *= *"\(.*\)"/\1/p' Cargo.toml)

packages=(
  tshark            # the Wireshark the tests drive (brings editcap, mergecap, text2pcap, capinfos)
  libwireshark-dev  # epan headers and wireshark.pc
  libglib2.0-dev    # glib headers that wireshark.pc requires
  libclang-dev      # for bindgen
  pkg-config
  gcc
  g++               # libFuzzer (cargo fuzz)
  libc6-dev
  valgrind          # tests/memcheck.sh
  xxd               # fuzz seed corpora
  time              # benchmarks: peak RSS
  python3-dpkt      # benchmarks: the pcap writer of tests/bench/make-twin.py and make-hostile.py
  python3-cryptography  # benchmarks: AES of the frames tests/bench/make-hostile.py writes
)

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root, or install sudo" >&2; exit 1; }
  sudo=(sudo)
fi
apt_get() { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# as_builder CMD...: runs CMD as the user who builds: under `sudo`, the user
# who ran it (their Rust, their files in target/), otherwise whoever runs this.
as_builder() {
  if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    sudo -u "$SUDO_USER" -H bash -c '[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"; exec "$@"' _ "$@"
  else
    "$@"
  fi
}

# rust_ok: the builder's cargo and rustc are at least $rust_version.
rust_found=
rust_ok() {
  local info c r where
  info=$(as_builder bash -c 'command -v cargo && cargo --version && rustc --version' 2>/dev/null) ||
    { rust_found="no cargo/rustc"; return 1; }
  where=$(sed -n 1p <<<"$info")
  c=$(sed -n 2p <<<"$info" | awk '{print $2}')
  r=$(sed -n 3p <<<"$info" | awk '{print $2}')
  rust_found="cargo ${c:-?} ($where), rustc ${r:-?}"
  dpkg --compare-versions "${c:-0}" ge "$rust_version" && dpkg --compare-versions "${r:-0}" ge "$rust_version"
}
candidate() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '(none)' || true; }

# shellcheck disable=SC1091
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done

rust_package=
if ! rust_ok; then
  if as_builder bash -c 'command -v rustup' >/dev/null 2>&1; then
    echo "install-deps: Rust $rust_version or newer is needed, found $rust_found: run \`rustup update stable\`" >&2
    exit 1
  fi
  # Which package brings a new enough Rust: look at fresh package lists.
  echo "install-deps: Rust $rust_version or newer is needed, found $rust_found; looking for a Debian package"
  apt_get update
  for pair in "cargo rustc" "cargo-web rustc-web"; do
    set -- $pair
    v=$(candidate "$2")
    if [ -n "$v" ] && dpkg --compare-versions "${v#*:}" ge "$rust_version"; then rust_package=$1; break; fi
  done
  if [ -z "$rust_package" ]; then
    echo "install-deps: no package of this distribution has Rust $rust_version or newer; install it with rustup: curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh" >&2
    exit 1
  fi
  if [ "$rust_package" = cargo-web ] && installed cargo; then
    echo "install-deps: cargo-web replaces the installed cargo package (Rust too old)"
  fi
  missing+=("$rust_package")
fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  if ! installed wireshark-common; then
    # The question wireshark-common asks; "no": dumpcap stays root-only.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | "${sudo[@]}" debconf-set-selections
  fi
  [ -n "$rust_package" ] || apt_get update
  apt_get install -y --no-install-recommends "${missing[@]}"
fi

if ! rust_ok; then
  echo "install-deps: still no Rust $rust_version or newer on PATH (found $rust_found)" >&2
  exit 1
fi
echo "install-deps: all there; Rust: $rust_found"
