#!/bin/bash
# make bench: measured ratios and time-to-detect distributions. Never a
# test: it prints numbers and fails only when a guest does not answer.
#   - time to first detection (median, max, caught/runs) of every inject and
#     of the stock 6.1 zap window, BENCH_RUNS runs each, --stop-on-detect;
#   - the same for every kernel of the validation corpora that is built
#     (make validate, 6.1 and CORPUS_KERNEL=7.2), with the make run options;
#   - mkclean engine folios/s against a userspace msync(MS_SYNC) loop on
#     the same file size in the same guest; module against libnuma
#     migrations/s; writer stores/s with and without agitation.
# Variables: BENCH_RUNS (10), BENCH_CORPUS_RUNS (10, base 2: a kernel that
# never detects runs the whole make run duration), BENCH_KERNEL (debian-6.1;
# an arm64 one with GUEST_CPU, and without what arm64 lacks: the stall
# engine, ioremap, the corpus), BENCH_CORPUS (1), BENCH_CORPORA ("6.1
# 7.2": which corpora; each its CORPUS_ALL entries that are built),
# BENCH_STOCK (1; 0: the corpus only). Output: build/bench/bench.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${DR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dirtyrace}
corpus=$cache/corpus
runs=${BENCH_RUNS:-10}
cruns=${BENCH_CORPUS_RUNS:-10}
out=$top/build/bench
run_args=$(cat "$top/scripts/run.args")
mkdir -p "$out"

# The guest side: shell functions, then what to run.
guest_lib() {
	cat <<EOF
#!/bin/sh
R=$runs
num() { sed -n "s/.*\"\$1\": \([0-9.][0-9.]*\).*/\1/p" /tmp/b.json | head -n1; }
numd() { v=\$(num "\$1"); echo "\${v:--}"; }	# "-" keeps the key/value pairs paired
det() {
	name=\$1; n=\$2; shift 2
	i=0
	while [ \$i -lt \$n ]; do
		rm -f /tmp/b.json
		dirtyrace run --dir /mnt --quiet --stop-on-detect --json /tmp/b.json "\$@" >/dev/null 2>&1
		rc=\$?
		echo "BENCH detect \$name \$rc \$(num first_detection_ms)"
		i=\$((i + 1))
	done
}
rate() {
	name=\$1; shift
	rm -f /tmp/b.json
	dirtyrace run --dir /mnt --quiet --json /tmp/b.json "\$@" >/dev/null 2>&1
	echo "BENCH rate \$name rc \$? writes_per_s \$(numd writes_per_s) folios_per_s \$(numd folios_per_s) module_mig \$(numd module) libnuma_mig \$(numd libnuma) hits_mkclean \$(numd folio_mkclean) hits_migrate \$(numd folio_migrate_flags)"
}
EOF
}

# guest_stock ARCH: what runs on the stock kernel (arm64: no stall engine,
# no ioremap range).
guest_stock() {
	guest_lib
	cat <<'EOF'
det mkclean_noflush $R --duration 10 --verify-interval 100 --engines mkclean --inject mkclean_noflush
det migrate_noflush $R --duration 10 --verify-interval 100 --engines migrate --inject migrate_noflush
det accessflags_stale $R --duration 10 --verify-interval 100 --engines mkclean --inject accessflags_stale
EOF
	[ "$1" = amd64 ] && cat <<'EOF'
det ioremap_noflush $R --duration 10 --verify-interval 100 --engines ioremap --inject ioremap_noflush
det mprotect_noflush $R --duration 10 --engines stall --agitate mprotect --inject mprotect_noflush
det stock_zap_window $R --duration 30 --verify-interval 100 --engines stall --agitate zap
EOF
	cat <<'EOF'
rate mkclean --duration 10 --engines mkclean
echo "BENCH msync $(dirtyrace msync /mnt 10 8388608)"
rate migrate --duration 10 --engines migrate,numa
rate mkclean_quiet --duration 10 --engines mkclean
rate mkclean_agitated --duration 10 --engines mkclean,migrate,numa --agitate all --procs 2 --threads 2
EOF
	[ "$1" = amd64 ] && cat <<'EOF'
rate stall_quiet --duration 10 --engines stall
rate stall_agitated --duration 10 --engines stall --agitate all --procs 2 --threads 2
EOF
	true
}

# vm.sh script in a guest; BENCH lines into $out/NAME.txt.
boot() {
	local name=$1 script=$2
	shift 2
	if ! env "$@" "$top/scripts/vm.sh" script "$script" > "$out/$name.log" 2>&1; then
		echo "bench: guest $name failed, see $out/$name.log" >&2
	fi
	grep '^BENCH ' "$out/$name.log" > "$out/$name.txt" || true
}

# Median and max of the numbers on stdin ("-" when none).
stats() {
	sort -n | awk '{ v[NR] = $1 } END { if (!NR) { print "- -"; exit }
		printf "%.2f %.2f\n", v[int((NR + 1) / 2)] / 1000, v[NR] / 1000 }'
}

detect_table() {
	local f=$1 name n caught ms
	for name in $(awk '$2 == "detect" { print $3 }' "$f" | awk '!seen[$0]++'); do
		n=$(awk -v k="$name" '$2 == "detect" && $3 == k' "$f" | wc -l)
		caught=$(awk -v k="$name" '$2 == "detect" && $3 == k && $4 == 1' "$f" | wc -l)
		ms=$(awk -v k="$name" '$2 == "detect" && $3 == k && $4 == 1 && $5 != "" { print $5 }' "$f" | stats)
		echo "| $name | $caught/$n | ${ms% *} | ${ms#* } |"
	done
}

field() {	# field FILE RATE-NAME KEY
	awk -v n="$2" -v k="$3" '$2 == "rate" && $3 == n { for (i = 4; i < NF; i++) if ($i == k) print $(i + 1) }' "$1"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

k=${BENCH_KERNEL:-debian-6.1}
arch=amd64
case "$k" in debian-*) arch=$("$top/scripts/kernel.sh" arch "$k") ;; esac
cpu=
[ "$arch" = arm64 ] && cpu=" -cpu ${GUEST_CPU:-max}"
: > "$out/bench.md"
if [ "${BENCH_STOCK:-1}" = 1 ]; then
guest_stock "$arch" > "$out/stock.sh"
boot stock "$out/stock.sh" KERNEL="$k"
{
	echo "## make bench on $k$cpu ($(date -u +%F)), $runs runs each"
	echo
	echo "Time to first detection, \`--stop-on-detect\` (seconds; lost writes are seen at verify rounds, 100 ms apart where set):"
	echo
	echo "| inject / bug | caught | median | max |"
	echo "|---|---|---|---|"
	detect_table "$out/stock.txt"
} > "$out/bench.md"
fi

# corpus_dirs: "VERSION HOSTDIR BUILDROOT" of each corpus that has kernels
# (6.1's in the cache; 7.2's in the sid build root, built there).
corpus_dirs() {
	local root
	echo "6.1 $corpus -"
	root=$(cd "$cache/sid-root" 2>/dev/null && ls -d "$PWD"/7.2.* 2>/dev/null | sort -V | tail -n1)
	[ -z "$root" ] || echo "7.2 $root/var/cache/dirtyrace-corpus/7.2 $root"
}

if [ "${BENCH_CORPUS:-1}" = 1 ] && [ "$arch" = amd64 ]; then
	: > "$out/corpus.txt"
	while read -r ver dir broot; do
		ls "$dir"/kernels/*.bzImage >/dev/null 2>&1 || continue
		[ "$broot" = - ] && broot=
		[[ " ${BENCH_CORPORA:-6.1 7.2} " == *" $ver "* ]] || continue
		# The entries of the corpus's default list (CORPUS_ALL); those it
		# leaves out run the whole duration without detecting anything.
		list=$(CORPUS_ALL=; . "$top/scripts/corpus/linux-$ver.sh"; echo " $CORPUS_ALL ")
		for img in "$dir"/kernels/*.bzImage; do
			name=$(basename "$img" .bzImage)
			[[ "$list" == *" $name "* ]] || continue
			# noftrace refuses the stall engine by design: nothing to time.
			[ "$name" = noftrace ] && continue
			n=$cruns
			[ "$name" = base ] && n=$(( cruns < 2 ? cruns : 2 ))	# never detects: full length
			{ guest_lib; echo "det $ver:$name $n $run_args"; } > "$out/corpus-$ver-$name.sh"
			boot "corpus-$ver-$name" "$out/corpus-$ver-$name.sh" KERNEL="$img" \
				KDIR="$dir/obj" BUILD_ROOT="$broot"
			cat "$out/corpus-$ver-$name.txt" >> "$out/corpus.txt"
		done
	done < <(corpus_dirs)
	if [ -s "$out/corpus.txt" ]; then
		{
			echo
			echo "Corpus kernels (make validate; 6.1 and CORPUS_KERNEL=7.2), $cruns runs each (base 2), options \`$run_args\`:"
			echo
			echo "| kernel | caught | median | max |"
			echo "|---|---|---|---|"
			detect_table "$out/corpus.txt"
		} >> "$out/bench.md"
	fi
fi

if [ "${BENCH_STOCK:-1}" != 1 ]; then
	cat "$out/bench.md"
	exit 0
fi
f=$out/stock.txt
mk=$(field "$f" mkclean folios_per_s)
ms=$(awk '$2 == "msync" { print $4 }' "$f")
mod=$(field "$f" migrate module_mig)
lib=$(field "$f" migrate libnuma_mig)
{
	echo
	echo "| rate | value | ratio |"
	echo "|---|---|---|"
	echo "| mkclean engine folios/s vs userspace msync(MS_SYNC) loop, 8 MiB | ${mk:--} vs ${ms:--} | $(ratio "${mk:-0}" "${ms:-0}") |"
	echo "| module vs libnuma migrations/s | ${mod:--} vs ${lib:--} | $(ratio "${mod:-0}" "${lib:-0}") |"
	for e in mkclean $([ "$arch" = amd64 ] && echo stall); do
		q=$(field "$f" ${e}_quiet writes_per_s)
		a=$(field "$f" ${e}_agitated writes_per_s)
		echo "| writer stores/s, $e, quiet vs all agitators (2 processes) | ${q:--} vs ${a:--} | $(ratio "${a:-0}" "${q:-0}") |"
	done
} >> "$out/bench.md"
{
	echo
	echo "Each rate run (10 s; exit 0 = PASS, nothing lost):"
	echo
	echo "| run | exit | stores/s | mkclean folios/s | folio_mkclean hits | folio_migrate_flags hits |"
	echo "|---|---|---|---|---|---|"
	awk '$2 == "rate" { r = ""; for (i = 4; i < NF; i += 2) v[$i] = $(i + 1)
		printf "| %s | %s | %s | %s | %s | %s |\n", $3, v["rc"], v["writes_per_s"],
		       v["folios_per_s"], v["hits_mkclean"], v["hits_migrate"] }' "$f"
} >> "$out/bench.md"
cat "$out/bench.md"
