#!/usr/bin/env bash
# Installs what building and testing the plugin need, when missing
# (Debian/Ubuntu; apt-get as root, or through sudo). Safe to run again.
set -euo pipefail

packages=(
  tshark            # the Wireshark the tests drive (brings text2pcap, editcap)
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
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "install-deps: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "install-deps: no Rust toolchain (cargo) found. Install Rust 1.74 or newer from" >&2
  echo "  https://rustup.rs (or apt-get install cargo where the distribution's Rust is that new)." >&2
  exit 1
fi
