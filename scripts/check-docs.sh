#!/bin/bash
# The reference cannot fall behind the code: every stats key and knob file
# named in include/dirtyrace.h is in docs/knobs.md, and every option of
# the usage text is in the man page.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
h=$top/include/dirtyrace.h
missing=0
for key in $(sed -n 's/^[[:space:]]*X([A-Z0-9_]*, "\([^"]*\)").*/\1/p' "$h") \
	   $(sed -n 's/^#define DR_\(KNOB\|FILE\)_[A-Z0-9_]*[[:space:]]*"\([^"]*\)".*/\2/p' "$h"); do
	grep -q "\`$key\`" "$top/docs/knobs.md" ||
		{ echo "docs/knobs.md does not name \`$key\`"; missing=1; }
done
for opt in $(grep -o '^"  --[a-z-]*' "$top/userspace/"*.c | sed 's/.*"  //' | sort -u); do
	grep -q -- "${opt//-/\\\\-}\|$opt" "$top/userspace/dirtyrace.1" ||
		{ echo "userspace/dirtyrace.1 does not name $opt"; missing=1; }
done
[ "$missing" = 0 ] && echo "docs: every stats key, knob and option documented"
exit "$missing"
