#!/bin/sh
# vmrig stage 1: /init of the tiny initramfs (busybox-static + a few modules).
# Mounts the host root (9p, read-only) under a tmpfs-backed overlay, the control
# share and the work share, mounts the kernel filesystems (proc, sys, dev,
# tracefs, debugfs, ...), then switch_root's into the host userland and runs
# stage 2 (/run/vmrig/ctl/stage2.sh, copied there by vm-run.sh for every run).
# Everything here is busybox (static, quick to start under TCG); stage 2 only
# runs bash builtins before the command.
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
read t_init _ </proc/uptime

fail() {
    echo "vmrig-init: $*" >/dev/ttyS0
    echo o >/proc/sysrq-trigger      # power off -> qemu exits
    sleep 5
    exit 1
}

for m in $(cat /lib/modules/load.order); do
    insmod /lib/modules/$m 2>/dev/ttyS0 || fail "insmod $m failed"
done

opts9p=trans=virtio,version=9p2000.L,msize=262144
mkdir -p /lower /rw /newroot
# the 9p devices are probed asynchronously right after virtio_pci loads: retry briefly
i=0
until mount -t 9p -o $opts9p,ro,cache=loose vmrig-root /lower 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 250 ] && fail "cannot mount 9p root"
    usleep 20000
done
mount -t tmpfs -o mode=0755 vmrig-rw /rw || fail "tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work vmrig-root /newroot \
    || fail "overlay mount failed"
n=/newroot

# fresh tmpfs for /run and /tmp (the host's /tmp must not leak in)
mount -t tmpfs -o mode=0755,nosuid,nodev vmrig-run $n/run || fail "tmpfs /run"
mount -t tmpfs -o mode=1777,nosuid,nodev vmrig-tmp $n/tmp || fail "tmpfs /tmp"
mkdir -p $n/run/vmrig/ctl $n/run/lock $n/run/user/0 $n/var/tmp $n/var/log
chmod 1777 $n/run/lock $n/var/tmp
mount -t 9p -o $opts9p,cache=none vmrig-ctl $n/run/vmrig/ctl || fail "cannot mount ctl share"
# the whole host root, read-only, without the overlay/tmpfs mounts on top (host /tmp etc.)
mkdir -p $n/run/vmrig/host
mount --bind /lower $n/run/vmrig/host
ctl=$n/run/vmrig/ctl
echo "$t_init" >$ctl/t_init

# host paths under /tmp that must stay visible (read-only), e.g. the vmrig folder
while read -r p; do
    case "$p" in
        /tmp/?*) [ -d "/lower$p" ] && mkdir -p "$n$p" && mount --bind "/lower$p" "$n$p" ;;
    esac
done <$ctl/see_paths

# a kernel unpacked outside /lib/modules (vm-run.sh --kernel 6.12...): its
# modules at the usual place, so that modprobe finds them
if [ -s $ctl/moddir ]; then
    read -r from to <$ctl/moddir
    mkdir -p "$n$to" && mount --bind "/lower$from" "$n$to" || fail "cannot bind $from on $to"
fi

share=$(cat $ctl/share_path 2>/dev/null)
if [ -n "$share" ]; then
    mkdir -p "$n$share" || fail "mkdir $share"
    mount -t 9p -o $opts9p,cache=mmap vmrig-share "$n$share" || fail "cannot mount share $share"
fi

# kernel filesystems (moved into the new root with their submounts)
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr

hostname vmrig
ip link set lo up
echo -1 >/proc/sys/kernel/perf_event_paranoid
echo 0 >/proc/sys/kernel/kptr_restrict
echo 1 >/proc/sys/kernel/sysrq

# virtio-serial ports -> /dev/vportXpY, found by name; stage 2 reads this file
: >$n/run/vmrig/ports
for p in /sys/class/virtio-ports/*; do
    [ -r "$p/name" ] && echo "$(cat $p/name) /dev/${p##*/}" >>$n/run/vmrig/ports
done

read t _ </proc/uptime; echo "$t" >$ctl/t_switch
mount --move /proc $n/proc
mount --move /sys $n/sys
mount --move /dev $n/dev
exec switch_root $n /bin/bash /run/vmrig/ctl/stage2.sh
fail "switch_root failed"
