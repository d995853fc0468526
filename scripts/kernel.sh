#!/bin/bash
# Resolve and fetch the Debian kernels the VM harness boots.
#   kernel.sh release KERNEL   -> kernel release, e.g. 6.1.0-56-amd64
#   kernel.sh versions         -> the x86 releases
#   kernel.sh arch KERNEL      -> amd64 or arm64
#   kernel.sh fetch KERNEL     -> dir holding vmlinuz and lib/modules
#   kernel.sh headers KERNEL   -> its headers tree (KDIR)
#   kernel.sh pkgroot ARCH PKG... -> a dir with those packages unpacked
# KERNEL: debian-6.1, debian-6.12, debian-6.1-arm64, debian-6.12-arm64.
# Images and headers are fetched with apt-get download (never installed:
# the 6.12 headers package depends on the image, which would change the
# host's next boot) and cached in $DR_CACHE (default ~/.cache/dirtyrace).
# arm64 packages come from the host's own apt sources through a private
# package list in the cache: the host's dpkg architectures stay as they are.
set -euo pipefail
cache=${DR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dirtyrace}
KERNELS_KNOWN="debian-6.1, debian-6.12, debian-6.1-arm64, debian-6.12-arm64"

arch_of() {
	case "$1" in
	debian-6.1 | debian-6.12) echo amd64 ;;
	debian-6.1-arm64 | debian-6.12-arm64) echo arm64 ;;
	*) echo "kernel.sh: unknown kernel '$1' ($KERNELS_KNOWN)" >&2; exit 2 ;;
	esac
}

meta_of() {
	case "$1" in
	debian-6.12*) echo "linux-image-6.12-$(arch_of "$1")" ;;
	debian-6.1*) echo "linux-image-$(arch_of "$1")" ;;
	esac
}

# apt ARCH ARGS...: apt-get/apt-cache for ARCH; arm64 reads a private list.
aptopts() {
	[ "$1" = amd64 ] && return
	local d=$cache/apt-$1
	echo "-o APT::Architecture=$1 -o APT::Architectures=$1"
	echo "-o Dir::State::Lists=$d/lists -o Dir::Cache=$d/cache"
	echo "-o Dir::State::status=$d/status -o APT::Sandbox::User=root"
}
apt_for() {
	local a=$1 tool=$2 d=$cache/apt-$1
	shift 2
	if [ "$a" != amd64 ] && [ ! -f "$d/.done" ]; then
		mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
		: > "$d/status"
		# shellcheck disable=SC2046
		apt-get $(aptopts "$a") -qq update >/dev/null ||
			{ echo "kernel.sh: apt-get update for $a failed" >&2; exit 2; }
		touch "$d/.done"
	fi
	# shellcheck disable=SC2046
	"$tool" $(aptopts "$a") "$@"
}

release() {
	local dep a
	a=$(arch_of "$1")
	dep=$(apt_for "$a" apt-cache show "$(meta_of "$1")" 2>/dev/null |
		sed -n "s/^Depends:.*linux-image-\([0-9][^ ,]*-$a\).*/\1/p" |
		sort -V | tail -n1)
	if [ -z "$dep" ]; then
		echo "kernel.sh: cannot resolve $1 from apt (run apt-get update)" >&2
		exit 2
	fi
	echo "$dep"
}

# download ARCH DIR PKG...: the .debs of PKG... for ARCH into DIR.
download() {
	local a=$1 d=$2
	shift 2
	(cd "$d" && apt_for "$a" apt-get download -qq -o APT::Sandbox::User=root "$@" >/dev/null)
}

fetch() {
	local rel dir deb
	rel=$(release "$1")
	dir=$cache/kernels/$rel
	if [ ! -f "$dir/.done" ]; then
		mkdir -p "$dir/deb"
		download "$(arch_of "$1")" "$dir/deb" "linux-image-$rel"
		deb=$(ls "$dir"/deb/linux-image-"$rel"_*.deb | head -n1)
		dpkg-deb -x "$deb" "$dir/root"
		depmod -b "$dir/root" "$rel"
		rm -rf "$dir/deb"
		touch "$dir/.done"
	fi
	echo "$dir/root"
}

# The headers of release rel, their -common part and linux-kbuild, unpacked.
# linux-kbuild holds host programs (fixdep, modpost): the host's
# architecture's, also for an arm64 kernel.
headers() {
	local rel dir deps d a kb
	a=$(arch_of "$1")
	rel=$(release "$1")
	dir=$cache/headers/$rel
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir"
		mkdir -p "$dir/deb"
		deps=$(apt_for "$a" apt-cache show "linux-headers-$rel" | sed -n 's/^Depends: //p' |
			head -n1 | tr ',|' '\n\n' | sed 's/^ *//; s/ .*//')
		# shellcheck disable=SC2086
		download "$a" "$dir/deb" "linux-headers-$rel" $(echo "$deps" | grep -E '^linux-headers-.*-common' || true)
		kb=$(echo "$deps" | grep -E '^linux-kbuild-' || true)
		# shellcheck disable=SC2086
		[ -z "$kb" ] || download amd64 "$dir/deb" $kb
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

# pkgroot ARCH PKG...: the guest's userspace pieces for ARCH (busybox,
# libnuma for the cross build), unpacked once.
pkgroot() {
	local a=$1 dir d
	shift
	dir=$cache/pkgroot-$a
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir"
		mkdir -p "$dir/deb"
		download "$a" "$dir/deb" "$@"
		for d in "$dir"/deb/*.deb; do
			dpkg-deb -x "$d" "$dir/root"
		done
		rm -rf "$dir/deb"
		touch "$dir/.done"
	fi
	echo "$dir/root"
}

case "${1:-}" in
release) release "$2" ;;
versions) release debian-6.1; release debian-6.12 ;;
arch) arch_of "$2" ;;
fetch) fetch "$2" ;;
headers) headers "$2" ;;
pkgroot) shift; pkgroot "$@" ;;
*) echo "usage: kernel.sh release|versions|arch|fetch|headers KERNEL | pkgroot ARCH PKG..." >&2; exit 2 ;;
esac
