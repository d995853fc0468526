#!/bin/sh
# Guest script for `vm.sh script`: dirtyrace unloaded, arm and disarm the
# kernel's own kprobe_events probe on flush_tlb_mm_range CYCLES times
# (default 1000) while two tasks fork and exit (each fork and exit flushes
# TLBs through flush_tlb_mm_range). Shows whether the text patching of
# kprobes on ftrace survives under this accelerator, module or not.
rmmod dirtyrace 2>/dev/null
t=/sys/kernel/tracing
[ -d "$t/events" ] || mount -t tracefs none "$t" || exit 1
echo 'p:drtoggle/flush flush_tlb_mm_range' > "$t/kprobe_events" || exit 1
flusher() { while :; do /bin/busybox true; done; }
flusher & f1=$!
flusher & f2=$!
n=${CYCLES:-1000} i=0
start=$(date +%s)
while [ "$i" -lt "$n" ]; do
	echo 1 > "$t/events/drtoggle/flush/enable" || exit 1
	echo 0 > "$t/events/drtoggle/flush/enable" || exit 1
	i=$((i + 1))
	[ $((i % 100)) -eq 0 ] && echo "kprobe-toggle: $i cycles, $(($(date +%s) - start)) s"
done
kill "$f1" "$f2"
echo "kprobe-toggle: $i arm/disarm cycles, no crash"
