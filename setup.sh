#!/usr/bin/env bash
# Set-up on a fresh Debian/Ubuntu machine: installs what is missing, builds
# the plugin, installs it where Wireshark looks (the global plugin folder as
# root, your personal one otherwise) and shows a bundled capture decrypted.
#
#   ./setup.sh              install (again: rebuilds and replaces the copy)
#   ./setup.sh --uninstall  remove every copy set-up installed
#
# Keeps one copy: Wireshark loads the global copy when the same plugin is in
# both folders, warning on every run, so a copy set-up made in the other
# folder is removed (the personal one of the user who ran `sudo ./setup.sh`,
# or, through sudo, the global one). A miio.so that set-up did not make is
# left alone and reported.
set -euo pipefail
cd "$(dirname "$0")"

mode=install
case ${1:-} in
  "") ;;
  --uninstall) mode=uninstall ;;
  *) echo "usage: $0 [--uninstall]" >&2; exit 2 ;;
esac

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

# The user whose personal folder counts: the one who ran sudo, if any.
user=$(id -un)
home=$HOME
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  user=$SUDO_USER
  home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
fi

# as_builder CMD...: runs CMD as the user who builds: under `sudo`, the user
# who ran it (their Rust, their files in target/), otherwise whoever runs this.
as_builder() {
  if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    sudo -u "$SUDO_USER" -H bash -c '[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"; exec "$@"' _ "$@"
  else
    "$@"
  fi
}

# ours FILE: FILE is a build of this plugin (it carries the shim's symbol).
ours() { grep -qa miio_shim_plugin_register "$1"; }

# Wireshark's folders, from its own pkg-config file (no build needed).
wireshark_dirs() {
  version=$(pkg-config --modversion wireshark | cut -d. -f1,2)
  global_dir="$(pkg-config --variable=plugindir wireshark)/epan"
  personal_dir="$home/.local/lib/wireshark/plugins/$version/epan"
}

# remove FILE: removes a copy set-up made (through sudo when not ours to remove).
remove() {
  local f=$1
  if ! ours "$f"; then
    echo "setup: $f is not a build of this plugin; left in place (remove it by hand if it is an old miIO plugin)"
    return 1
  fi
  if [ -w "$(dirname "$f")" ]; then rm -f "$f"; else "${sudo[@]}" rm -f "$f"; fi
  echo "setup: removed $f"
}

if [ $mode = uninstall ]; then
  command -v pkg-config >/dev/null && pkg-config --exists wireshark ||
    { echo "setup: Wireshark's pkg-config file is missing (libwireshark-dev); nothing to find" >&2; exit 1; }
  wireshark_dirs
  found=0
  for f in "$global_dir/miio.so" "$home"/.local/lib/wireshark/plugins/*/epan/miio.so; do
    [ -e "$f" ] || continue
    found=1
    remove "$f" || true
  done
  [ $found = 1 ] || echo "setup: no installed copy of the miIO plugin found ($global_dir, $home/.local/lib/wireshark/plugins/*/epan)"
  exit 0
fi

scripts/install-deps.sh
# shellcheck disable=SC1091
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

# Built as the user even under sudo, so that target/ stays theirs.
as_builder cargo build --release --locked
plugin=target/release/libmiio_dissector.so
wireshark_dirs

if [ "$(id -u)" -eq 0 ]; then
  # Wireshark run by root ignores personal plugin folders.
  dest=$global_dir
  other=$personal_dir
else
  dest=$personal_dir
  other=$global_dir
fi
if [ -e "$other/miio.so" ]; then
  echo "setup: a copy is also in $other; Wireshark would load only the global one and warn on every run"
  remove "$other/miio.so" ||
    echo "setup: WARNING: remove $other/miio.so, or Wireshark keeps loading it instead of this build"
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
echo

# Live capture and the GUI: say what is missing, change nothing.
if ! command -v wireshark >/dev/null; then
  echo "The Wireshark GUI is not installed: sudo apt-get install wireshark"
fi
if [ "$user" != root ] && ! id -nG "$user" | tr ' ' '\n' | grep -qx wireshark; then
  echo "Live capture as $user (reading capture files needs nothing):"
  echo "  sudo dpkg-reconfigure wireshark-common   # answer Yes: members of group wireshark may capture"
  echo "  sudo usermod -aG wireshark $user          # then log out and in again"
fi
