#!/usr/bin/env bash
# Set-up on a fresh Debian/Ubuntu machine: installs what is missing, builds
# the plugin, installs it where Wireshark looks (the global plugin folder as
# root, your personal one otherwise) and shows a bundled capture decrypted.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

cargo build --release
plugin=target/release/libmiio_dissector.so

version=$(pkg-config --modversion wireshark | cut -d. -f1,2)
if [ "$(id -u)" -eq 0 ]; then
  # Wireshark run by root ignores personal plugin folders.
  dest="$(pkg-config --variable=plugindir wireshark)/epan"
else
  dest="$HOME/.local/lib/wireshark/plugins/$version/epan"
fi
install -D -m 0644 "$plugin" "$dest/miio.so"
echo
echo "Installed the miIO plugin for Wireshark $version: $dest/miio.so"
echo

sample=tests/captures/python-miio-basic.pcapng
key='uat:miio_keys:"0a1b2c3d","token","3f4a1c2b9d8e7f60112233445566aa01","sample vacuum"'
echo "== $sample, decrypted with the sample token (tshark -o '$key'):"
tshark -r "$sample" -o "$key"
echo
echo "== One reply in full (tshark -V -O miio,json):"
tshark -r "$sample" -o "$key" -Y 'frame.number == 22' -V -O miio,json
