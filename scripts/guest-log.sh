#!/bin/bash
# guest-log.sh MODE LOG OUTDIR: print what the guest ran and judge it.
# Fails on a missing result, on any KTAP "not ok", and on any kernel
# BUG/WARNING/Oops/lockdep/KASAN report in the guest log (the unsigned
# out-of-tree module taint is expected and not a failure).
# Exit (vm.sh's): a kernel problem is a verdict of its own, 5, whatever the
# guest said (its first report is printed with its first frames, and
# whether dirtyrace's code is on its stack); a hung guest (GUEST_HUNG= the
# reason, from vm.sh) 6; else run: the hammer's code, check: 0 or 1.
# KCSAN_SCOPE=module (the KCSAN debug kernel): a data-race report fails only
# when one of its racing accesses is the module's; the kernel's own are
# counted and set aside.
set -uo pipefail
mode=$1 log=$2 out=$3
bad='BUG:|kernel BUG at|WARNING:|Oops|general protection fault|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|KASAN:|UBSAN:|kmemleak|soft lockup|hard LOCKUP|blocked for more than|detected stall|Call Trace:'

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
# vm.sh streamed the guest's lines as they came (STREAMED=0: print them).
[ "${STREAMED:-0}" != 0 ] ||
	sed -n '/^DIRTYRACE-BOOTED/,/^==== dmesg ====/p' "$log.txt" | sed '1d;$d' | grep -v '^\[ *[0-9.]*\] '
rc=$(sed -n 's/^DIRTYRACE-RESULT rc=\([0-9]*\).*/\1/p' "$log.txt" | tail -n1)
fail=0

# The first kernel report: its title, its frames (RIP and Call Trace), and
# whether any of them is dirtyrace's; printed to stderr.
splat() {
	awk -v bad="$bad" '
		function strip(l) { sub(/^\[ *[0-9.]+\] /, "", l); return l }
		!start && $0 ~ bad { start = 1; title = strip($0); next }
		start {
			l = strip($0)
			if (l ~ /^---\[ end|^Kernel panic|^DIRTYRACE-RESULT|^==== /) exit
			if (l ~ /^Modules linked in:/) next
			if (l ~ /[A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+/ && n < 12) {
				frames[++n] = l
				if (l ~ /\[dirtyrace\]/) {
					match(l, /[A-Za-z0-9_.]+\+0x/)
					f = substr(l, RSTART, RLENGTH - 3)
					if (!(f in seen)) { seen[f] = 1; ours = ours (ours ? ", " : "") f }
				}
			}
		}
		END {
			if (!start) exit 1
			printf "# guest-log: KERNEL PROBLEM in the guest: %s\n", title
			if (ours != "") printf "# guest-log: dirtyrace'"'"'s own code is on its stack: %s\n", ours
			else printf "# guest-log: dirtyrace'"'"'s code is not on its stack (of its first %d frames)\n", n
			for (i = 1; i <= n; i++) printf "# guest-log:   %s\n", frames[i]
		}' "$log.txt" | sed 's/[[:space:]]\+$//' >&2
}
if grep -Eq "$bad" "$log.txt"; then
	splat
	echo "# guest-log: verdict KERNEL (exit 5): the guest kernel reported a problem; every report: grep -En '$bad' $log.txt" >&2
	exit 5
fi
if [ -n "${GUEST_HUNG:-}" ]; then
	echo "# guest-log: verdict HUNG (exit 6): $GUEST_HUNG; log: $log" >&2
	exit 6
fi
if [ -z "$rc" ]; then
	echo "# guest-log: verdict KERNEL (exit 5): the guest died without a result and without a kernel report (triple fault or reset?); log: $log" >&2
	exit 5
fi
# A module that never loaded voids every result, whatever the tests say
# (a run: a set-up error, 2).
if grep -q '^guest: insmod dirtyrace.ko failed' "$log.txt"; then
	echo "# guest-log: the module did not load (guest: insmod dirtyrace.ko failed): nothing was tested" >&2
	[ "$mode" = run ] && exit 2
	fail=1
fi
case "$mode" in
check)
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log.txt" | head -n1)
	oks=$(grep -Ec '^ok [0-9]+ selftests:' "$log.txt")
	skips=$(grep -Ec '^ok [0-9]+ selftests:.*# SKIP' "$log.txt")
	nots=$(grep -Ec '^not ok [0-9]+ selftests:' "$log.txt")
	echo "# guest-log: $((oks - skips)) ok, $skips skipped, $nots not ok of ${plan:-?} planned" >&2
	[ "$nots" = 0 ] && [ -n "$plan" ] && [ "$oks" = "$plan" ] || fail=1
	# Skips only where selftests/expected-skips allows them; KTAP that
	# the kernel's parser reads with the same counts.
	"$(dirname "$0")/ktap-check.sh" "$log.txt" "${DR_WHERE:-?/?/?}" >&2 || fail=1
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
