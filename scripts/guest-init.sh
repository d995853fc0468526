#!/bin/sh
# /init of the dirtyrace test guest (busybox). Mode comes from the kernel
# command line: dr.mode=check runs the selftests, dr.mode=run one stress
# run with dr.args (~ for spaces), dr.mode=script /script.sh, dr.mode=shell
# a shell.
export PATH=/bin:/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmp /tmp
mkdir -p /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
echo DIRTYRACE-BOOTED
for m in $(cat /lib/modules/load.order); do
	insmod "/lib/modules/$m" || echo "guest: insmod $m failed"
done
arg() { sed -n "s/.*dr\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
fs=$(arg fs)
mkdir -p /mnt
mount -t "${fs:-ext4}" /dev/vda /mnt || echo "guest: cannot mount /dev/vda as ${fs:-ext4}"
# mTHP (6.8+): every size inherits the top-level THP mode (anonymous and,
# 6.14+, shmem), so --hugepage regions may get any folio size the kernel
# offers; dr.mthp=keep leaves the kernel's defaults.
mthp=$(arg mthp)
if [ "${mthp:-keep}" != keep ]; then
	sizes=
	for d in /sys/kernel/mm/transparent_hugepage/hugepages-*kB; do
		[ -w "$d/enabled" ] || continue
		echo "$mthp" > "$d/enabled"
		[ -w "$d/shmem_enabled" ] && echo "$mthp" > "$d/shmem_enabled"
		sizes="$sizes ${d##*hugepages-}"
	done
	echo "guest: mTHP sizes ($mthp):${sizes:- none (kernel before 6.8)}"
fi
# The harness reserves a range with memmap= for the ioremap engine.
range=$(arg ioremap)
# shellcheck disable=SC2046
insmod /dirtyrace.ko ${range:+ioremap_range=$range} $(arg modparams | tr '~' ' ') ||
	echo "guest: insmod dirtyrace.ko failed"

mode=$(arg mode)
# dr.env=K=V~K=V: environment for the tests; dr.timeout=N: per-test limit.
for kv in $(arg env | tr '~' ' '); do export "$kv"; done
t=$(arg timeout)
[ -n "$t" ] && sed -i "s/^timeout=.*/timeout=$t/" /ksft/dirtyrace/settings
case "$mode" in
check)
	only=$(arg tests | tr '~' ' ')
	# shellcheck disable=SC2046
	/ktap-run.sh /ksft/dirtyrace ${only:-$(cat /ksft/dirtyrace/tests)}
	rc=$?
	;;
run)
	args=$(arg args | tr '~' ' ')
	dirtyrace run --dir /mnt --json /tmp/report.json $args
	rc=$?
	echo "==== report.json ===="
	cat /tmp/report.json 2>/dev/null
	echo "==== end report.json ===="
	;;
script)
	# shellcheck disable=SC2046
	cd /mnt && sh /script.sh $(arg args | tr '~' ' ')
	rc=$?
	;;
*)
	setsid cttyhack sh
	rc=0
	;;
esac
echo "==== dmesg ===="
dmesg
echo "==== end dmesg ===="
echo "DIRTYRACE-RESULT rc=$rc"
umount /mnt 2>/dev/null
sync
poweroff -f
