#!/bin/sh
# vm.sh script scripts/guest/fault.sh KIND: a guest that fails the way
# scripts/harness-test.sh needs. KIND: oops, warn (dirtyrace's test_fault,
# loaded with MODPARAMS=test_faults=1), panic (sysrq, no dirtyrace code),
# hang (never returns), no-poweroff (a result, then never returns).
case "$1" in
oops | warn) echo "$1" > /sys/kernel/debug/dirtyrace/test_fault ;;
panic) echo c > /proc/sysrq-trigger ;;
hang) sleep 100000 ;;
no-poweroff) echo "DIRTYRACE-RESULT rc=0"; sleep 100000 ;;
*) echo "fault.sh: unknown kind '$1'" ;;
esac
echo "fault.sh: $1 returned"
