#!/bin/bash
# make soak: a long run with every engine and agitator on each Debian
# kernel and file system; human summary on stdout, JSON per run in
# build/soak/. SOAK_SECONDS (default 600) per run; KERNELS (default
# debian-6.1 debian-6.12 debian-7.2); SOAK_FS (default ext4; "ext4 xfs"
# for both). The hunts of docs/results.md are SOAK_SECONDS=1800.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${SOAK_SECONDS:-600}
rc=0
mkdir -p "$top/build/soak"
for k in ${KERNELS:-debian-6.1 debian-6.12 debian-7.2}; do
	rel=$("$top/scripts/kernel.sh" release "$k") || exit 2
	for fs in ${SOAK_FS:-ext4}; do
		echo "# soak: $k ($rel) on $fs, $secs s, all engines and agitators"
		KERNEL=$k FS=$fs VM_TIMEOUT=$((secs + 900)) "$top/scripts/vm.sh" run \
			--duration "$secs" --engines mkclean,migrate,ioremap,numa,stall \
			--agitate all --procs 2 --threads 2 --mkclean-threads 2 \
			2>&1 | grep -v '^    {' | tee "$top/build/soak/$k-$fs.txt"
		st=${PIPESTATUS[0]}
		cp "$top/build/vm/$rel/report.json" "$top/build/soak/$k-$fs.json" 2>/dev/null
		echo "# soak: $k $fs exit $st, JSON in build/soak/$k-$fs.json"
		[ "$st" = 0 ] || rc=1
	done
done
exit $rc
