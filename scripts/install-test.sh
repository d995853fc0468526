#!/bin/bash
# make install's selftest layout runs under the kernel's own runner as is:
# install into a scratch DESTDIR (the module built for KERNEL's headers,
# default debian-6.12), then run its run_kselftest.sh here. The module is
# never loaded on this machine, so every program must skip (exit 4) at its
# prerequisites: the runner must list each one as "ok ... # SKIP", with
# no "not ok" (a missing prefix.pl made every test exit 141).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
k=${KERNEL:-debian-6.12}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
kdir=$("$top/scripts/kernel.sh" headers "$k") || exit 2
make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr KDIR="$kdir" > "$dest.log" 2>&1 ||
	{ tail -n 20 "$dest.log"; rm -f "$dest.log"; exit 1; }
rm -f "$dest.log"
ksft=$dest/usr/libexec/dirtyrace/kselftest
for f in run_kselftest.sh kselftest/runner.sh kselftest/prefix.pl kselftest-list.txt \
	 dirtyrace/settings dirtyrace/dr_knobs; do
	[ -e "$ksft/$f" ] || { echo "install-test: no $f in the installed layout"; exit 1; }
done
ls "$dest"/lib/modules/*/extra/dirtyrace.ko* >/dev/null ||
	{ echo "install-test: no module under lib/modules/*/extra"; exit 1; }
listed=$(wc -l < "$ksft/kselftest-list.txt")
out=$(cd "$ksft" && DIRTYRACE_DIR=$dest PATH=$dest/usr/bin:$PATH ./run_kselftest.sh 2>&1)
echo "$out" | grep -E '^(not )?ok [0-9]+ ' | sed 's/^/# install-test: /'
skips=$(echo "$out" | grep -Ec '^ok [0-9]+ selftests: dirtyrace: .* # SKIP')
if echo "$out" | grep -q '^not ok' || [ "$skips" != "$listed" ]; then
	echo "install-test: $skips of $listed programs skipped cleanly under run_kselftest.sh"
	exit 1
fi
echo "install-test: run_kselftest.sh ran all $listed installed programs (each skipped: no module here)"
