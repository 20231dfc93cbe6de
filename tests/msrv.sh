#!/usr/bin/env bash
# Builds and runs the cargo tests with the oldest Rust the project supports
# (rust-version in Cargo.toml, 1.85): Debian 12's cargo-web 1.85 package,
# pinned (bookworm-security has a newer one). Run before each release, on a
# Debian 12 machine (root, or sudo); not in CI. tests/fresh-machine.sh trixie
# checks the same Rust another way (Debian 13's cargo is 1.85).
#
# cargo-web installs /usr/bin/cargo and /usr/bin/rustc; a rustup toolchain in
# ~/.cargo/bin stays first on PATH, so this script calls /usr/bin's by path,
# with its own target folder (target/rust-1.85).
#   tests/msrv.sh
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(sed -n 's/^rust-version *= *"\(.*\)"/\1/p' Cargo.toml)
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

if ! /usr/bin/rustc --version 2>/dev/null | grep -q "^rustc $want\."; then
  # Read the whole list first: grep -q stopping early would fail the pipe (pipefail).
  policy=$(apt-cache policy cargo-web)
  if ! grep -q " $want\." <<<"$policy"; then
    echo "msrv: no cargo-web $want package here (it is Debian 12's); try tests/fresh-machine.sh trixie" >&2
    exit 2
  fi
  echo "msrv: installing Debian's cargo-web $want (pinned)"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "cargo-web=$want*" "rustc-web=$want*" "libstd-rust-web-dev=$want*"
fi
echo "msrv: $(/usr/bin/cargo --version), $(/usr/bin/rustc --version)"
PATH=/usr/bin:/bin CARGO_TARGET_DIR=target/rust-$want /usr/bin/cargo test --release --locked
