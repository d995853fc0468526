#!/bin/bash
# Resolve and fetch the Debian kernels the VM harness boots.
#   kernel.sh release KERNEL   -> kernel release, e.g. 6.1.0-56-amd64
#   kernel.sh versions         -> the x86 releases
#   kernel.sh known            -> the KERNEL names it knows
#   kernel.sh arch KERNEL      -> amd64 or arm64
#   kernel.sh fetch KERNEL     -> dir holding vmlinuz and lib/modules
#   kernel.sh headers KERNEL   -> its headers tree (KDIR)
#   kernel.sh pkgroot ARCH PKG... -> a dir with those packages unpacked
#   kernel.sh build KERNEL OUTDIR [MAKEVAR=...] -> dirtyrace.ko for KERNEL
#   kernel.sh build-in ROOT KDIR OUTDIR [MAKEVAR=...] -> the same against a
#                              tree inside a build root (the 7.2 corpus)
#   kernel.sh source KERNEL    -> Debian's linux-source tarball of its version
#   kernel.sh sidroot KERNEL   -> the sid build root of a sid KERNEL
#   kernel.sh sidexec KERNEL CMD... -> CMD run inside that root
# KERNEL: debian-6.1, debian-6.12, debian-7.2, debian-6.1-arm64,
# debian-6.12-arm64, debian-7.2-arm64.
# Images and headers are fetched with apt-get download (never installed:
# the 6.12 headers package depends on the image, which would change the
# host's next boot) and cached in $DR_CACHE (default ~/.cache/dirtyrace).
# arm64 packages come from the host's own apt sources through a private
# package list in the cache: the host's dpkg architectures stay as they are.
# debian-7.2 comes from Debian sid, reached through a private apt
# configuration whose URIs are the host's own Debian sources' (the host's
# sources are never changed); the newest 7.2 in sid unless
# SID_KERNEL_RELEASE=<release> (e.g. 7.2.13+deb14-amd64). Its headers need
# sid's gcc: its module builds in a sid build root made with mmdebstrap in
# the cache.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${DR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dirtyrace}
KERNELS_KNOWN="debian-6.1, debian-6.12, debian-7.2, debian-6.1-arm64, debian-6.12-arm64, debian-7.2-arm64"

arch_of() {
	case "$1" in
	debian-6.1 | debian-6.12 | debian-7.2) echo amd64 ;;
	debian-6.1-arm64 | debian-6.12-arm64 | debian-7.2-arm64) echo arm64 ;;
	*) echo "kernel.sh: unknown kernel '$1' (known: $KERNELS_KNOWN)" >&2; exit 2 ;;
	esac
}

# Which archive a kernel comes from: the host's own suites, or sid.
suite_of() {
	case "$1" in
	debian-7.2*) echo sid ;;
	*) echo host ;;
	esac
}

# The host's Debian archive URI (not -security), from its own apt sources.
host_debian_uri() {
	local codename uri
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	uri=$(awk -v c="$codename" '
		/^URIs:/ { u = $2 }
		/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == c) ok = 1 }
		/^$/ { if (ok && u) { print u; exit } ok = 0; u = "" }
		END { if (ok && u) print u }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
	[ -n "$uri" ] || uri=$(sed -n "s/^deb \(\[[^]]*\] \)\?\([^ ]*\) $codename .*/\2/p" \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1)
	[ -n "$uri" ] || { echo "kernel.sh: no Debian '$codename' source in the host's apt sources to reach sid from" >&2; exit 2; }
	echo "$uri"
}

meta_of() {
	case "$1" in
	debian-6.12*) echo "linux-image-6.12-$(arch_of "$1")" ;;
	debian-6.1*) echo "linux-image-$(arch_of "$1")" ;;
	esac
}

# apt ARCH SUITE ARGS...: apt-get/apt-cache for ARCH from the host's
# suites or sid; anything but the host's own reads a private list.
aptdir() { [ "$2" = host ] && echo "$cache/apt-$1" || echo "$cache/apt-$1-$2"; }
aptopts() {
	[ "$1" = amd64 ] && [ "$2" = host ] && return
	local d
	d=$(aptdir "$1" "$2")
	echo "-o APT::Architecture=$1 -o APT::Architectures=$1"
	echo "-o Dir::State::Lists=$d/lists -o Dir::Cache=$d/cache"
	echo "-o Dir::State::status=$d/status -o APT::Sandbox::User=root"
	# sid's Release may carry a Valid-Until this machine's clock is past.
	[ "$2" = sid ] && echo "-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$d/parts -o Acquire::Check-Valid-Until=false"
	return 0
}
apt_for() {
	local a=$1 suite=$2 tool=$3 d
	d=$(aptdir "$a" "$suite")
	shift 3
	if { [ "$a" != amd64 ] || [ "$suite" != host ]; } && [ ! -f "$d/.done" ]; then
		mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/parts"
		: > "$d/status"
		if [ "$suite" = sid ]; then
			printf 'Types: deb\nURIs: %s\nSuites: sid\nComponents: main\nSigned-By: %s\n' \
				"$(host_debian_uri)" /usr/share/keyrings/debian-archive-keyring.gpg > "$d/parts/sid.sources"
		fi
		# shellcheck disable=SC2046
		apt-get $(aptopts "$a" "$suite") -qq update >/dev/null ||
			{ echo "kernel.sh: apt-get update for $a ($suite) failed" >&2; exit 2; }
		touch "$d/.done"
	fi
	# shellcheck disable=SC2046
	"$tool" $(aptopts "$a" "$suite") "$@"
}

release() {
	local dep a
	a=$(arch_of "$1")
	if [ "$(suite_of "$1")" = sid ]; then
		release_sid "$1" "$a"
		return
	fi
	dep=$(apt_for "$a" host apt-cache show "$(meta_of "$1")" 2>/dev/null |
		sed -n "s/^Depends:.*linux-image-\([0-9][^ ,]*-$a\).*/\1/p" |
		sort -V | tail -n1)
	if [ -z "$dep" ]; then
		echo "kernel.sh: cannot resolve $1 from apt (run apt-get update)" >&2
		exit 2
	fi
	echo "$dep"
}

# The newest 7.2 kernel sid has (the plain flavour), or SID_KERNEL_RELEASE.
release_sid() {
	local ver=${1#debian-} rel
	ver=${ver%-arm64}
	if [ -n "${SID_KERNEL_RELEASE:-}" ]; then
		echo "$SID_KERNEL_RELEASE"
		return
	fi
	rel=$(apt_for "$2" sid apt-cache pkgnames "linux-binary-$ver." 2>/dev/null |
		sed -n "s/^linux-binary-\($ver\.[0-9.]*+[a-z0-9]*-$2\)$/\1/p" | sort -V | tail -n1)
	if [ -z "$rel" ]; then
		echo "kernel.sh: sid has no linux-binary-$ver.*-$2 (rm -rf $(aptdir "$2" sid) to refresh its lists)" >&2
		exit 2
	fi
	echo "$rel"
}

# download ARCH SUITE DIR PKG...: the .debs of PKG... for ARCH into DIR.
download() {
	local a=$1 suite=$2 d=$3
	shift 3
	(cd "$d" && apt_for "$a" "$suite" apt-get download -qq -o APT::Sandbox::User=root "$@" >/dev/null)
}

fetch() {
	local rel dir deb
	rel=$(release "$1")
	dir=$cache/kernels/$rel
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir"
		mkdir -p "$dir/deb"
		if [ "$(suite_of "$1")" = sid ]; then
			# 7.x splits the image: kernel, modules, config; all under usr/lib.
			download "$(arch_of "$1")" sid "$dir/deb" "linux-binary-$rel" \
				"linux-modules-$rel" "linux-base-$rel"
			for deb in "$dir"/deb/*.deb; do
				dpkg-deb -x "$deb" "$dir/root"
			done
			ln -s usr/lib "$dir/root/lib"
			mkdir -p "$dir/root/boot"
			ln -s "../usr/lib/modules/$rel/vmlinuz" "$dir/root/boot/vmlinuz-$rel"
		else
			download "$(arch_of "$1")" host "$dir/deb" "linux-image-$rel"
			deb=$(ls "$dir"/deb/linux-image-"$rel"_*.deb | head -n1)
			dpkg-deb -x "$deb" "$dir/root"
		fi
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
	if [ "$(suite_of "$1")" = sid ]; then
		echo "$(sid_root "$rel" "$a")/usr/src/linux-headers-$rel"
		return
	fi
	dir=$cache/headers/$rel
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir"
		mkdir -p "$dir/deb"
		deps=$(apt_for "$a" host apt-cache show "linux-headers-$rel" | sed -n 's/^Depends: //p' |
			head -n1 | tr ',|' '\n\n' | sed 's/^ *//; s/ .*//')
		# shellcheck disable=SC2086
		download "$a" host "$dir/deb" "linux-headers-$rel" $(echo "$deps" | grep -E '^linux-headers-.*-common' || true)
		kb=$(echo "$deps" | grep -E '^linux-kbuild-' || true)
		# shellcheck disable=SC2086
		[ -z "$kb" ] || download amd64 host "$dir/deb" $kb
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
		download "$a" host "$dir/deb" "$@"
		for d in "$dir"/deb/*.deb; do
			dpkg-deb -x "$d" "$dir/root"
		done
		rm -rf "$dir/deb"
		touch "$dir/.done"
	fi
	echo "$dir/root"
}

# sid_root REL ARCH: a sid build root with REL's headers and the gcc they
# need (mmdebstrap, ~110 MiB download, ~750 MB), made once; an arm64 REL's
# is the amd64 one's, with the cross gcc.
sid_root() {
	local rel=$1 dir=$cache/sid-root/$1 d
	if [ "$2" = arm64 ]; then
		# The amd64 root of the same version, with sid's cross gcc and the
		# arm64 headers unpacked (their kbuild programs are the amd64 root's).
		dir=$(sid_root "${rel%-arm64}-amd64" amd64)
		if [ ! -f "$dir/.arm64-$rel" ]; then
			sidexec "$dir" sh -c 'apt-get -qq update && DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends gcc-aarch64-linux-gnu' \
				>/dev/null 2>&1 ||
				{ echo "kernel.sh: cannot install gcc-aarch64-linux-gnu in the sid build root" >&2; exit 2; }
			d=$(mktemp -d)
			download arm64 sid "$d" "linux-headers-$rel"
			dpkg-deb -x "$d"/linux-headers-"$rel"_*.deb "$dir"
			rm -rf "$d"
			touch "$dir/.arm64-$rel"
		fi
		echo "$dir"
		return
	fi
	if [ ! -f "$dir/.done" ]; then
		command -v mmdebstrap >/dev/null ||
			{ echo "kernel.sh: need mmdebstrap for the sid build root (make setup)" >&2; exit 2; }
		rm -rf "$dir"
		mkdir -p "$cache/sid-root"
		mmdebstrap --quiet --variant=apt --architectures="$2" \
			--aptopt='Acquire::Check-Valid-Until "false"' \
			--include="build-essential,make,kmod,linux-headers-$rel" sid "$dir" \
			"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(host_debian_uri) sid main" >&2 ||
			{ echo "kernel.sh: mmdebstrap of the sid build root failed" >&2; exit 2; }
		touch "$dir/.done"
	fi
	echo "$dir"
}

# sidexec ROOT CMD...: CMD inside the sid build root ROOT, in a private
# mount namespace with /proc (objtool needs it) and the host's resolver
# (apt-get inside the root).
sidexec() {
	local root=$1
	shift
	unshare --mount --propagation private sh -c \
		'r=$1; shift; mount -t proc proc "$r/proc" &&
		{ [ ! -e /etc/resolv.conf ] || { : >"$r/etc/resolv.conf" &&
			mount --bind /etc/resolv.conf "$r/etc/resolv.conf"; }; } &&
		exec chroot "$r" "$@"' sh "$root" "$@"
}

# build KERNEL OUTDIR [MAKEVAR=...]: the module for KERNEL in OUTDIR. The
# sid kernels' in their build root.
build() {
	local k=$1 out=$2 rel root stage
	shift 2
	if [ "$(suite_of "$k")" != sid ]; then
		make -s -C "$top" module KDIR="$(headers "$k")" MODOUT="$out" "$@"
		return
	fi
	rel=$(release "$k")
	root=$(sid_root "$rel" "$(arch_of "$k")")
	build_in "$root" "/usr/src/linux-headers-$rel" "$out" "$@"
}

# build_in ROOT KDIR OUTDIR [MAKEVAR=...]: the module in the build root
# ROOT against its tree KDIR (a path inside ROOT), copied out to OUTDIR.
build_in() {
	local root=$1 kdir=$2 out=$3 stage
	shift 3
	stage=$root/build/dirtyrace-$$
	rm -rf "$stage" && mkdir -p "$stage" "$out"
	cp -r "$top/Kbuild" "$top/include" "$top/module" "$stage/"
	sidexec "$root" make -s -C "$kdir" M="/build/dirtyrace-$$" "$@" modules ||
		{ rm -rf "$stage"; return 1; }
	rm -rf "$out" && mkdir -p "$out" && cp -r "$stage"/. "$out"/
	rm -rf "$stage"
}

# The linux-source-X.Y tarball of KERNEL's version: the host's package for
# 6.1 and 6.12 (set-up installs them), sid's unpacked into the cache for 7.2.
source_tar() {
	local ver=${1#debian-} d deb
	ver=${ver%-arm64}
	arch_of "$1" >/dev/null
	if [ "$(suite_of "$1")" = host ]; then
		[ -r "/usr/src/linux-source-$ver.tar.xz" ] ||
			{ echo "kernel.sh: need /usr/src/linux-source-$ver.tar.xz (apt-get install linux-source-$ver)" >&2; exit 2; }
		echo "/usr/src/linux-source-$ver.tar.xz"
		return
	fi
	d=$cache/src/$ver
	if [ ! -f "$d/.done" ]; then
		rm -rf "$d"
		mkdir -p "$d/deb"
		download amd64 sid "$d/deb" "linux-source-$ver"
		deb=$(ls "$d"/deb/linux-source-"$ver"_*.deb | head -n1)
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$d" --strip-components=3 \
			"./usr/src/linux-source-$ver.tar.xz"
		rm -rf "$d/deb"
		touch "$d/.done"
	fi
	echo "$d/linux-source-$ver.tar.xz"
}

case "${1:-}" in
release) release "$2" ;;
source) source_tar "$2" ;;
known) echo "$KERNELS_KNOWN" ;;
sidroot) [ "$(suite_of "$2")" = sid ] || { echo "kernel.sh: $2 is not a sid kernel" >&2; exit 2; }
	sid_root "$(release "$2")" "$(arch_of "$2")" ;;
sidexec) shift; k=$1; shift; sidexec "$("$0" sidroot "$k")" "$@" ;;
build-in) shift; build_in "$@" ;;
versions) release debian-6.1; release debian-6.12; release debian-7.2 ;;
arch) arch_of "$2" ;;
fetch) fetch "$2" ;;
headers) headers "$2" ;;
pkgroot) shift; pkgroot "$@" ;;
build) shift; build "$@" ;;
*) echo "usage: kernel.sh release|versions|arch|fetch|headers|source KERNEL | pkgroot ARCH PKG... | build KERNEL OUTDIR | build-in ROOT KDIR OUTDIR" >&2; exit 2 ;;
esac
