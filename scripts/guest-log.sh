#!/bin/bash
# guest-log.sh MODE LOG OUTDIR: print what the guest ran and judge it.
# Fails on a missing result, on any KTAP "not ok", and on any kernel
# BUG/WARNING/Oops/lockdep/KASAN report in the guest log (the unsigned
# out-of-tree module taint is expected and not a failure).
# KCSAN_SCOPE=module (the KCSAN debug kernel): a data-race report fails only
# when one of its racing accesses is the module's; the kernel's own are
# counted and set aside.
set -uo pipefail
mode=$1 log=$2 out=$3
bad='BUG:|WARNING:|Oops|general protection fault|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|KASAN:|UBSAN:|kmemleak|soft lockup|hard LOCKUP|blocked for more than|Call Trace:'

tr -d '\r' < "$log" > "$log.txt"
if [ "${KCSAN_SCOPE:-}" = module ]; then
	: > "$out/kcsan-kernel.txt"
	# Reports are framed by lines of '='. KCSAN's data race needs a plain
	# access: a report is the module's when an access whose top frame is
	# the module's is plain (not "(marked)"). Its folio_lock() racing a
	# plain flags read in filemap_release_folio() is the kernel's race,
	# set aside and counted as reached from the module's calls. A report
	# printed without frames (the console drops them at loglevel=4) is
	# judged by the copy in the dmesg dump, else by its title.
	awk -v own="$out/kcsan-kernel.txt" '
		/^(\[ *[0-9.]+\] )?=+$/ { if (inrep) { inrep = 0; finish(); next } }
		/BUG: KCSAN:/ && !inrep {
			inrep = 1; k = $0; rep = $0; framed = 0; plain = 0; via = 0; top = 0
			title = /\[dirtyrace\]/; next
		}
		inrep {
			rep = rep "\n" $0
			if (/(read|write|read-write)( \([a-z]+\))* to .* on cpu [0-9]+:$/) { marked = /\(marked\)/; top = 1; next }
			if (top && /\+0x[0-9a-f]+\/0x[0-9a-f]+/) {
				framed = 1; top = 0
				if (/\[dirtyrace\]/ && !marked) plain = 1
			}
			if (/\[dirtyrace\]/) via = 1
			next
		}
		{ print }
		# A copy with frames replaces one without, never the reverse.
		function finish() {
			if (!(k in text)) order[++nk] = k
			else if (!framed) return
			mine[k] = framed ? plain : title; text[k] = rep; vias[k] = via
		}
		END {
			if (inrep) finish()
			for (i = 1; i <= nk; i++) {
				k = order[i]
				if (mine[k]) print text[k]
				else { print text[k] > own; n++; m += vias[k] }
			}
			printf "# guest-log: %d KCSAN report(s) not in the module set aside in %s (%d reached from its calls into the kernel)\n", n, own, m > "/dev/stderr"
		}
	' "$log.txt" > "$log.kcsan" && mv "$log.kcsan" "$log.txt"
fi
sed -n '/^DIRTYRACE-BOOTED/,/^==== dmesg ====/p' "$log.txt" | sed '1d;$d'
rc=$(sed -n 's/^DIRTYRACE-RESULT rc=\([0-9]*\).*/\1/p' "$log.txt" | tail -n1)
fail=0
if [ -z "$rc" ]; then
	echo "# guest-log: no result from the guest (crash or timeout); log: $log" >&2
	fail=1
fi
if grep -Eq "$bad" "$log.txt"; then
	echo "# guest-log: kernel problem reported in the guest log ($log):" >&2
	grep -En "$bad" "$log.txt" | head -n 20 >&2
	fail=1
fi
case "$mode" in
check)
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log.txt" | head -n1)
	oks=$(grep -Ec '^ok [0-9]+ selftests:' "$log.txt")
	nots=$(grep -Ec '^not ok [0-9]+ selftests:' "$log.txt")
	echo "# guest-log: $oks ok, $nots not ok of ${plan:-?} planned" >&2
	[ "$nots" = 0 ] && [ -n "$plan" ] && [ "$oks" = "$plan" ] || fail=1
	[ "$fail" = 0 ] || exit 1
	exit 0
	;;
run)
	sed -n '/^==== report.json ====/,/^==== end report.json ====/p' "$log.txt" |
		sed '1d;$d' > "$out/report.json"
	echo "# guest-log: JSON report in $out/report.json" >&2
	[ "$fail" = 0 ] || exit 1
	exit "${rc:-1}"
	;;
esac
exit "$fail"
