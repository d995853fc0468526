#!/bin/bash
# Resolve and fetch the Debian kernels the VM harness boots.
#   kernel.sh release debian-6.1|debian-6.12   -> kernel release, e.g. 6.1.0-56-amd64
#   kernel.sh versions                           -> both releases
#   kernel.sh fetch debian-6.1|debian-6.12       -> dir holding vmlinuz and lib/modules
#   kernel.sh headers debian-6.1|debian-6.12     -> its headers tree (KDIR)
# Images and headers are fetched with apt-get download (never installed:
# the 6.12 headers package depends on the image, which would change the
# host's next boot) and cached in $DR_CACHE (default ~/.cache/dirtyrace).
set -euo pipefail
cache=${DR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dirtyrace}

meta_of() {
	case "$1" in
	debian-6.1) echo linux-image-amd64 ;;
	debian-6.12) echo linux-image-6.12-amd64 ;;
	*) echo "kernel.sh: unknown kernel '$1' (debian-6.1, debian-6.12)" >&2; exit 2 ;;
	esac
}

release() {
	local dep
	dep=$(apt-cache show "$(meta_of "$1")" 2>/dev/null |
		sed -n 's/^Depends:.*linux-image-\([0-9][^ ,]*-amd64\).*/\1/p' |
		sort -V | tail -n1)
	if [ -z "$dep" ]; then
		echo "kernel.sh: cannot resolve $1 from apt (run apt-get update)" >&2
		exit 2
	fi
	echo "$dep"
}

fetch() {
	local rel dir deb
	rel=$(release "$1")
	dir=$cache/kernels/$rel
	if [ ! -f "$dir/.done" ]; then
		mkdir -p "$dir/deb"
		(cd "$dir/deb" && apt-get download -qq -o APT::Sandbox::User=root "linux-image-$rel" >/dev/null)
		deb=$(ls "$dir"/deb/linux-image-"$rel"_*.deb | head -n1)
		dpkg-deb -x "$deb" "$dir/root"
		depmod -b "$dir/root" "$rel"
		rm -rf "$dir/deb"
		touch "$dir/.done"
	fi
	echo "$dir/root"
}

# The headers of release rel, their -common part and linux-kbuild, unpacked.
headers() {
	local rel dir deps d
	rel=$(release "$1")
	dir=$cache/headers/$rel
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir"
		mkdir -p "$dir/deb"
		deps=$(apt-cache show "linux-headers-$rel" | sed -n 's/^Depends: //p' | head -n1 |
			tr ',|' '\n\n' | sed 's/^ *//; s/ .*//' |
			grep -E '^linux-(headers-.*-common|kbuild-)' || true)
		# shellcheck disable=SC2086
		(cd "$dir/deb" && apt-get download -qq -o APT::Sandbox::User=root \
			"linux-headers-$rel" $deps >/dev/null)
		for d in "$dir"/deb/*.deb; do
			dpkg-deb -x "$d" "$dir/root"
		done
		# Debian's arch Makefile includes the -common one by absolute path.
		sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" \
			"$dir/root/usr/src/linux-headers-$rel/Makefile"
		rm -rf "$dir/deb"
		touch "$dir/.done"
	fi
	echo "$dir/root/usr/src/linux-headers-$rel"
}

case "${1:-}" in
release) release "$2" ;;
versions) release debian-6.1; release debian-6.12 ;;
fetch) fetch "$2" ;;
headers) headers "$2" ;;
*) echo "usage: kernel.sh release|versions|fetch|headers [debian-6.1|debian-6.12]" >&2; exit 2 ;;
esac
