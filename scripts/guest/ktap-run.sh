#!/bin/sh
# ktap-run.sh DIR PROG...: run kselftest programs from DIR and print one
# KTAP version 1 document (Documentation/dev-tools/ktap.rst): each
# program is a subtest, its own KTAP indented by 4 spaces, then its result
# line "ok N selftests: dirtyrace: PROG" (# SKIP on exit 4; not ok with
# the exit code otherwise, or # TIMEOUT after DIR/settings' timeout). The
# kselftest harness prints a skipped test as "ok N # SKIP reason": the
# test's name, from its " RUN" line, is put back in. Any other line a test
# prints (the hammer's report) becomes a diagnostic line.
cd "$1" || exit 1
shift
limit=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
echo "KTAP version 1"
echo "1..$#"
n=0 bad=0
for prog; do
	n=$((n + 1))
	name=${prog#./}
	echo "# selftests: dirtyrace: $name"
	rm -f /tmp/ktap.rc
	{ timeout "${limit:-300}" "./$name" 2>&1; echo $? > /tmp/ktap.rc; } | awk '
		/^# +RUN +/ { test = $3 }
		/^(K?TAP) version/ { print "    KTAP version 1"; next }
		/^1\.\.[0-9]+/ { print "    " $0; next }
		/^(not )?ok [0-9]+ # / { sub(/ # /, " " (test == "" ? "unnamed" : test) " # ") }
		/^(not )?ok [0-9]+/ || /^#/ { print "    " $0; next }
		{ print "    # " $0 }'
	rc=$(cat /tmp/ktap.rc 2>/dev/null)
	case "$rc" in
	0) echo "ok $n selftests: dirtyrace: $name" ;;
	4) echo "ok $n selftests: dirtyrace: $name # SKIP" ;;
	124 | 143) echo "not ok $n selftests: dirtyrace: $name # TIMEOUT ${limit:-300} seconds"; bad=1 ;;
	*) echo "not ok $n selftests: dirtyrace: $name # exit=${rc:-unknown}"; bad=1 ;;
	esac
done
exit $bad
