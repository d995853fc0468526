#!/bin/bash
# Install what building and testing dirtyrace needs on a Debian machine.
# Idempotent: does nothing when everything is already present.
#   setup.sh          x86 guests
#   setup.sh arm64    arm64 guests as well: cross compiler, qemu-system-arm
set -euo pipefail
# debian-7.2 (sid): its kernel's module builds in a sid build root.
kernels="debian-6.1 debian-6.12 debian-7.2"
[ "${1:-}" = arm64 ] && kernels="$kernels debian-6.1-arm64 debian-6.12-arm64 debian-7.2-arm64"

# The guest kernels' headers, so the module (and dkms) builds against them:
# unpacked into the cache, never installed (see kernel.sh).
headers() {
	for k in $kernels; do
		"$(dirname "$0")"/kernel.sh headers "$k" >/dev/null
	done
}

# Fresh package lists: the guest kernels are resolved from them.
if [ "$(id -u)" = 0 ]; then
	apt-get -qq update >/dev/null || echo "setup: apt-get update failed" >&2
fi

# dwarves: pahole, for the BTF of modules built against 6.12 (its headers ship a vmlinux).
want=(make gcc libc6-dev libnuma-dev qemu-system-x86 busybox-static cpio
      xz-utils zstd e2fsprogs xfsprogs kmod dkms dwarves mmdebstrap python3 linux-source-6.1)
[ "${1:-}" = arm64 ] && want+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm)
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	headers
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "setup: missing packages: ${missing[*]} (run as root or apt-get install them)" >&2
	exit 2
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -qq install -y --no-install-recommends "${missing[@]}" >/dev/null
headers
