#!/bin/bash
# ktap-check.sh LOG WHERE: judge the suite's KTAP document in a guest log.
#   - the kernel's own parser (kunit.py parse, from the kernel tree make
#     takes kselftest.h from) reads it with no error, and its counts equal
#     the document's own result lines;
#   - every skip, of a program or of one test, is listed for WHERE
#     (ARCH/RELEASE/FS, e.g. amd64/6.1.0-57-amd64/ext4) in
#     selftests/expected-skips; any other skip is a failure.
# Prints its findings; exit 0 when all hold.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
log=$1 where=$2
kunit=$top/build/ksft/tools/testing/kunit/kunit.py
doc=$(mktemp)
trap 'rm -f "$doc" "$doc.out"' EXIT
fail=0

# The document: from its header on, without the kernel's console lines.
sed -n '/^KTAP version 1$/,$p' "$log" | grep -v '^\[ *[0-9.]*\] ' |
	sed -n '1,/^==== dmesg ====/p' | grep -v '^==== dmesg ====' > "$doc"
if [ ! -s "$doc" ]; then
	echo "# ktap-check: no KTAP document in $log"
	exit 1
fi

# Own counts: the tests' result lines (indented), and programs that
# skipped whole with a 1..0 plan.
pass=$(grep -Ec '^    ok [0-9]+ [^#]*$' "$doc")
skip=$(grep -Ec '^    ok [0-9]+ .*# SKIP|^    1\.\.0( |$)' "$doc")
failed=$(grep -Ec '^    not ok [0-9]+ ' "$doc")
if [ -r "$kunit" ]; then
	python3 "$kunit" parse "$doc" > "$doc.out" 2>&1
	ran=$(sed -n 's/.*Testing complete\. \(Ran [0-9]* tests*: .*\)$/\1/p' "$doc.out" | tail -n1)
	kp=$(echo "$ran" | sed -n 's/.*passed: \([0-9]*\).*/\1/p')
	kf=$(echo "$ran" | sed -n 's/.*failed: \([0-9]*\).*/\1/p')
	ks=$(echo "$ran" | sed -n 's/.*skipped: \([0-9]*\).*/\1/p')
	if grep -Eq '\[ERROR\]|errors: [1-9]|crashed: [1-9]' "$doc.out" || [ -z "$ran" ]; then
		echo "# ktap-check: kunit.py parse reports errors:"
		grep -E '\[ERROR\]|Testing complete' "$doc.out" | head -n 10 | sed 's/^/#   /'
		fail=1
	elif [ "${kp:-0}/${kf:-0}/${ks:-0}" != "$pass/$failed/$skip" ]; then
		echo "# ktap-check: kunit.py counts passed/failed/skipped ${kp:-0}/${kf:-0}/${ks:-0}, the document's own $pass/$failed/$skip"
		fail=1
	else
		echo "# ktap-check: kunit.py parse: $ran, as the document's own result lines"
	fi
else
	echo "# ktap-check: no $kunit (make selftests extracts it): KTAP not parsed"
	fail=1
fi

# Skips: PROGRAM for a whole program, PROGRAM:TEST for one test.
allowed() {	# allowed ID: listed in expected-skips for WHERE?
	local id=$1 pat glob reason
	while read -r pat glob reason; do
		case "$pat" in '#'* | '') continue ;; esac
		# shellcheck disable=SC2053
		[[ "$id" == $pat ]] && [[ "$where" == $glob ]] && return 0
	done < "$top/selftests/expected-skips"
	return 1
}
prog=
while IFS= read -r line; do
	case "$line" in
	'# selftests: dirtyrace: '*) prog=${line#\# selftests: dirtyrace: }; continue ;;
	"ok "*" selftests: dirtyrace: "*" # SKIP"*) id=$prog ;;
	"    ok "*" # SKIP"*)
		id=${line#    ok [0-9]* }
		id=$prog:${id%% # SKIP*} ;;
	"    1..0"*) id=$prog ;;
	*) continue ;;
	esac
	if allowed "$id"; then
		echo "# ktap-check: expected skip: $id on $where"
	else
		echo "# ktap-check: UNEXPECTED skip: $id on $where (not in selftests/expected-skips): $line"
		fail=1
	fi
done < "$doc"
exit $fail
