#!/bin/sh
# kselftest's runner calls "timeout --foreground"; busybox timeout has no
# such flag and, run as the guest's init session, needs none.
[ "$1" = --foreground ] && shift
exec busybox timeout "$@"
