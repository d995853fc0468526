#!/bin/bash
# Prove dkms.conf is real: dkms add + build against the (unpacked, see
# kernel.sh) headers of both Debian kernels, then remove again. Needs root
# (dkms tree).
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
for k in ${KERNELS:-debian-6.1 debian-6.12}; do
	rel=$("$top/scripts/kernel.sh" release "$k")
	dkms build -m dirtyrace -v "$ver" -k "$rel" \
		--kernelsourcedir "$("$top/scripts/kernel.sh" headers "$k")" >/dev/null
	ls /var/lib/dkms/dirtyrace/"$ver"/"$rel"/x86_64/module/dirtyrace.ko* >/dev/null
	echo "dkms-check: built dirtyrace $ver for $rel"
done
