#!/bin/bash
# Prove dkms.conf is real: dkms add + build against the (unpacked, see
# kernel.sh) headers of each Debian kernel of KERNELS, then remove again;
# a sid kernel's (7.2) inside its sid build root, with sid's dkms and gcc,
# as on a sid test machine. Needs root (dkms tree).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
src=/usr/src/dirtyrace-$ver
if [ "$(id -u)" != 0 ]; then
	echo "dkms-check: skip: needs root" >&2
	exit 0
fi
cleanup() {
	dkms remove -m dirtyrace -v "$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src"
}
trap cleanup EXIT
cleanup
mkdir -p "$src"
cp -r "$top/dkms.conf" "$top/Kbuild" "$top/include" "$top/module" "$src/"
dkms add -m dirtyrace -v "$ver" >/dev/null
# in_sid_root KERNEL: add, build and remove inside the sid build root.
in_sid_root() {
	local root rel=$2
	root=$("$top/scripts/kernel.sh" sidroot "$1")
	rm -rf "$root/usr/src/dirtyrace-$ver"
	mkdir -p "$root/usr/src/dirtyrace-$ver"
	cp -r "$top/dkms.conf" "$top/Kbuild" "$top/include" "$top/module" "$root/usr/src/dirtyrace-$ver/"
	"$top/scripts/kernel.sh" sidexec "$1" sh -c '
		command -v dkms >/dev/null || { apt-get -qq update &&
			DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends dkms; } >/dev/null 2>&1
		dkms remove -m dirtyrace -v "$1" --all >/dev/null 2>&1
		dkms add -m dirtyrace -v "$1" >/dev/null &&
		dkms build -m dirtyrace -v "$1" -k "$2" --kernelsourcedir "/usr/src/linux-headers-$2" >/dev/null &&
		ls /var/lib/dkms/dirtyrace/"$1"/"$2"/*/module/dirtyrace.ko* >/dev/null
		rc=$?
		dkms remove -m dirtyrace -v "$1" --all >/dev/null 2>&1
		exit $rc' sh "$ver" "$rel"
	rm -rf "$root/usr/src/dirtyrace-$ver"
}

for k in ${KERNELS:-debian-6.1 debian-6.12 debian-7.2}; do
	rel=$("$top/scripts/kernel.sh" release "$k")
	if [[ "$k" == debian-7.2* ]]; then
		in_sid_root "$k" "$rel"
		echo "dkms-check: built dirtyrace $ver for $rel (in the sid build root)"
		continue
	fi
	dkms build -m dirtyrace -v "$ver" -k "$rel" \
		--kernelsourcedir "$("$top/scripts/kernel.sh" headers "$k")" >/dev/null
	ls /var/lib/dkms/dirtyrace/"$ver"/"$rel"/x86_64/module/dirtyrace.ko* >/dev/null
	echo "dkms-check: built dirtyrace $ver for $rel"
done
