#!/bin/bash
# make soak: a long run with every engine and agitator on each Debian
# kernel; human summary on stdout, JSON per kernel in build/soak/.
# SOAK_SECONDS (default 600) per kernel; KERNELS as in make check.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${SOAK_SECONDS:-600}
rc=0
mkdir -p "$top/build/soak"
for k in ${KERNELS:-debian-6.1 debian-6.12}; do
	rel=$("$top/scripts/kernel.sh" release "$k") || exit 2
	echo "# soak: $k ($rel), $secs s, all engines and agitators"
	KERNEL=$k VM_TIMEOUT=$((secs + 900)) "$top/scripts/vm.sh" run \
		--duration "$secs" --engines mkclean,migrate,ioremap,numa,stall \
		--agitate all --procs 2 --threads 2 --mkclean-threads 2 \
		2>&1 | grep -v '^    {' | tee "$top/build/soak/$k.txt"
	st=${PIPESTATUS[0]}
	cp "$top/build/vm/$rel/report.json" "$top/build/soak/$k.json" 2>/dev/null
	echo "# soak: $k exit $st, JSON in build/soak/$k.json"
	[ "$st" = 0 ] || rc=1
done
exit $rc
