#!/usr/bin/env bash
# vm-run.sh — run one command as root inside a real Debian kernel (6.1, 6.12 or
# 6.12 PREEMPT_RT: kprobes, uprobes, openvswitch.ko, ...) booted under qemu TCG, with the host's root
# filesystem as the guest's (read-only 9p + tmpfs overlay) and DIR shared
# read-write at the same path.  The command's stdout/stderr stream to ours and
# its exit status becomes ours.  See README.md beside this file.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
usage() {
    cat <<'EOF'
usage: vm-run.sh [options] -- COMMAND [ARG...]
  --mem SIZE       guest memory (qemu -m syntax), default 2G
  --smp N          virtual CPUs, default 2
  --share DIR      host dir shared read-write at the same path and used as the
                   command's working directory; default: current directory
  --kernel K       6.1 (default: newest /boot/vmlinuz-6.1*), 6.12 or 6.12-rt
                   (Debian 12's 6.12 kernels unpacked by setup.sh --kernel K),
                   or a kernel image FILE (modules in /lib/modules/<version>);
                   the default is $OVSPERF_VMRIG_KERNEL, else 6.1
  --env VAR=VAL    export VAR in the guest (repeatable)
  --see DIR        make host DIR (read-only) visible at the same path even when
                   it lies under /tmp, which the guest otherwise hides
                   (repeatable; the folder holding vmrig/ is always visible)
  --timeout SEC    kill the VM after SEC seconds (exit 124), default 3600
  --console        copy the guest's serial console (kernel log) to stderr
  --keep           keep the per-run directory (console log, timings)
  --retry-panic    boot once more when the guest kernel panics even after
                   COMMAND started (COMMAND can run again from the start)
  --rebuild        rebuild the cached initramfs
  -h, --help       this text
Exit status: COMMAND's, or 124 on timeout, 125 if the VM failed to run it.
EOF
}

mem=2G smp=2 share=$PWD kernel= timeout=3600 console=0 keep=0 rebuild=0 retry_panic=0
envs=() sees=("$(dirname "$here")")
while [ $# -gt 0 ]; do
    case "$1" in
        --mem) mem=$2; shift 2 ;;
        --smp) smp=$2; shift 2 ;;
        --share) share=$2; shift 2 ;;
        --kernel) kernel=$2; shift 2 ;;
        --env) envs+=("$2"); shift 2 ;;
        --see) sees+=("$(readlink -f "$2")"); shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        --console) console=1; shift ;;
        --keep) keep=1; shift ;;
        --retry-panic) retry_panic=1; shift ;;
        --rebuild) rebuild=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; break ;;
        *) echo "vm-run: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done
[ $# -gt 0 ] || { usage >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "vm-run: must run as root (9p passthrough)" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "vm-run: qemu-system-x86_64 missing: run $here/setup.sh" >&2; exit 2; }
share=$(readlink -f "$share")
[ -d "$share" ] || { echo "vm-run: $share is not a directory" >&2; exit 2; }
case "$share" in
    /|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*|/run|/run/*) echo "vm-run: cannot share $share" >&2; exit 2 ;;
esac

# modroot: where lib/modules/<version> of the kernel is on the host ("" = /);
# a kernel unpacked under the cache gets its modules bind-mounted over the
# guest's /lib/modules/<version>.
kernel=${kernel:-${OVSPERF_VMRIG_KERNEL:-6.1}}
modroot=
case "$kernel" in
    6.1)
        kernel=$(ls -1 /boot/vmlinuz-6.1* 2>/dev/null | sort -V | tail -1 || true)
        [ -n "$kernel" ] || { echo "vm-run: no /boot/vmlinuz-6.1*: run $here/setup.sh" >&2; exit 2; } ;;
    6.12|6.12-rt)
        modroot=$("$here/setup.sh" --kernel-dir "$kernel") ||
            { echo "vm-run: kernel $kernel is not set up: run $here/setup.sh --kernel $kernel" >&2; exit 2; }
        kernel=$(ls -1 "$modroot"/boot/vmlinuz-* | sort -V | tail -1) ;;
    */*) [ -f "$kernel" ] || { echo "vm-run: no kernel image $kernel" >&2; exit 2; } ;;
    *) echo "vm-run: unknown kernel '$kernel' (6.1, 6.12, 6.12-rt or an image path)" >&2; exit 2 ;;
esac
kver=${kernel##*/vmlinuz-}
moddir=$modroot/lib/modules/$kver
[ -d "$moddir" ] || { echo "vm-run: $moddir missing (modules must match $kernel)" >&2; exit 2; }

# ---- cached initramfs: busybox-static + the modules needed to reach the 9p root
cache=${VMRIG_CACHE:-/tmp/vmrig-work/cache}
mkdir -p "$cache"
initrd=$cache/initrd-$kver.cpio
if [ $rebuild = 1 ] || [ ! -s "$initrd" ] || [ "$here/guest-init.sh" -nt "$initrd" ] \
   || [ "$moddir/modules.dep" -nt "$initrd" ]; then
    [ -x /bin/busybox ] || { echo "vm-run: /bin/busybox missing (busybox-static): run $here/setup.sh" >&2; exit 2; }
    dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' \
        || { echo "vm-run: /bin/busybox must be the static one (apt-get install busybox-static)" >&2; exit 2; }
    stage=$(mktemp -d "$cache/initrd.XXXXXX")
    mkdir -p "$stage"/{bin,dev,proc,sys,lib/modules}
    cp /bin/busybox "$stage/bin/busybox"
    for a in $(/bin/busybox --list); do
        [ "$a" = busybox ] || ln -sf busybox "$stage/bin/$a"
    done
    # modules (and their dependencies, in load order) needed before the 9p root exists
    : >"$stage/lib/modules/load.order"
    for f in $(modprobe -d "${modroot:-/}" -S "$kver" --show-depends -a virtio_pci 9pnet_virtio 9p overlay virtio_console \
               | awk '$1 == "insmod" { print $2 }'); do
        b=${f##*/}
        b=${b%.xz} b=${b%.zst}      # busybox insmod wants plain .ko
        [ -e "$stage/lib/modules/$b" ] && continue
        case "$f" in
            *.xz) xz -dc "$f" >"$stage/lib/modules/$b" ;;
            *.zst) zstd -q -dc "$f" >"$stage/lib/modules/$b" ;;
            *) cp "$f" "$stage/lib/modules/$b" ;;
        esac
        echo "$b" >>"$stage/lib/modules/load.order"
    done
    install -m 0755 "$here/guest-init.sh" "$stage/init"
    (cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet >"$initrd.tmp")
    mv "$initrd.tmp" "$initrd"
    rm -rf "$stage"
fi

# ---- per-run control directory (shared with the guest as "vmrig-ctl")
mkdir -p "${VMRIG_RUNDIR:-/tmp/vmrig-work}"
rundir=$(mktemp -d "${VMRIG_RUNDIR:-/tmp/vmrig-work}/run.XXXXXX")
qpid=
cleanup() {
    [ -n "$qpid" ] && kill "$qpid" 2>/dev/null || true
    [ -n "${catpids:-}" ] && wait $catpids 2>/dev/null || true
    [ -n "${tailpid:-}" ] && kill "$tailpid" 2>/dev/null || true
    if [ $keep = 1 ]; then echo "vm-run: run dir kept: $rundir" >&2; else rm -rf "$rundir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

printf '%s' "$share" >"$rundir/share_path"
# a kernel from the cache: its modules replace the guest's /lib/modules/<version>
[ -n "$modroot" ] && printf '%s %s' "$moddir" "/lib/modules/$kver" >"$rundir/moddir"
printf '%s\n' "${sees[@]}" >"$rundir/see_paths"
install -m 0755 "$here/guest-stage2.sh" "$rundir/stage2.sh"
{
    printf 'cd -- %q || exit 125\n' "$share"
    printf 'exec'
    printf ' %q' "$@"
    printf '\n'
} >"$rundir/cmd.sh"
: >"$rundir/env"
for kv in "${envs[@]}"; do printf '%s\0' "$kv" >>"$rundir/env"; done

# The guest kernel under qemu's emulation (TCG) now and then panics while it
# boots, before the command starts: then boot it once more (the command never
# ran, so running it is still its first time).  With --retry-panic also when
# it panicked while the command ran (seen once in 6.12's timer softirq): the
# caller says the command can run again from the start.
for boot in 1 2; do
    # guest stdout/stderr: qemu "pipe" chardevs (NAME.in / NAME.out fifos)
    mkfifo "$rundir/out.in" "$rundir/out.out" "$rundir/err.in" "$rundir/err.out"
    cat "$rundir/out.out" &
    catpids=$!
    cat "$rundir/err.out" >&2 &
    catpids="$catpids $!"

    : >"$rundir/console.log"
    if [ $console = 1 ]; then
        tail -n +1 -f "$rundir/console.log" >&2 &
        tailpid=$!
    fi

    append="console=ttyS0 quiet loglevel=4 panic=-1 oops=panic mitigations=off nowatchdog"
    append+=" random.trust_cpu=on tsc=reliable 8250.nr_uarts=1 i8042.noaux i8042.nokbd"

    # qemu option values: a comma is written as ",,"
    qshare=${share//,/,,} qrun=${rundir//,/,,}
    t0=$(date +%s.%N)
    tmo=()
    [ "$timeout" -gt 0 ] && tmo=(timeout -s TERM "$timeout")
    "${tmo[@]}" qemu-system-x86_64 \
        -machine pc,accel=tcg -cpu max -smp "$smp" -m "$mem" \
        -nodefaults -no-user-config -display none -no-reboot \
        -kernel "$kernel" -initrd "$initrd" -append "$append" \
        -serial "file:$qrun/console.log" \
        -fsdev local,id=root,path=/,security_model=passthrough,readonly=on,multidevs=remap \
        -device virtio-9p-pci,fsdev=root,mount_tag=vmrig-root \
        -fsdev local,id=ctl,path="$qrun",security_model=passthrough \
        -device virtio-9p-pci,fsdev=ctl,mount_tag=vmrig-ctl \
        -fsdev local,id=share,path="$qshare",security_model=passthrough,multidevs=remap \
        -device virtio-9p-pci,fsdev=share,mount_tag=vmrig-share \
        -device virtio-serial-pci,id=vser \
        -chardev pipe,id=out,path="$qrun/out" \
        -device virtserialport,bus=vser.0,chardev=out,name=vmrig.out \
        -chardev pipe,id=err,path="$qrun/err" \
        -device virtserialport,bus=vser.0,chardev=err,name=vmrig.err \
        </dev/null >>"$rundir/console.log" 2>&1 &
    qpid=$!

    status=0
    qrc=0
    wait "$qpid" || qrc=$?
    qpid=
    t1=$(date +%s.%N)
    # if qemu never opened the fifos the readers still block in open(): release them
    exec 3<>"$rundir/out.out" 4<>"$rundir/err.out"
    exec 3>&- 4>&-
    wait $catpids 2>/dev/null || true
    catpids=
    if [ $boot = 1 ] && [ $qrc != 124 ] && [ ! -s "$rundir/rc" ] &&
       { [ ! -e "$rundir/t_cmd_start" ] || [ $retry_panic = 1 ]; } &&
       grep -q 'Kernel panic' "$rundir/console.log"; then
        echo "vm-run: the guest kernel panicked$([ -e "$rundir/t_cmd_start" ] || echo ' while booting'); booting it once more" >&2
        tail -n 5 "$rundir/console.log" >&2
        rm -f "$rundir/out.in" "$rundir/out.out" "$rundir/err.in" "$rundir/err.out" "$rundir"/t_*
        [ -n "${tailpid:-}" ] && kill "$tailpid" 2>/dev/null || true
        tailpid=
        continue
    fi
    break
done

if [ ${#tmo[@]} -gt 0 ] && [ $qrc = 124 ]; then
    echo "vm-run: timeout after ${timeout}s" >&2
    status=124
elif [ -s "$rundir/rc" ]; then
    status=$(cat "$rundir/rc")
else
    echo "vm-run: the guest did not report an exit status; console tail:" >&2
    tail -n 40 "$rundir/console.log" >&2
    status=125
fi
if [ -n "${VMRIG_TIMES:-}" ]; then
    g() { cat "$rundir/$1" 2>/dev/null || echo '?'; }
    printf 'vm-run: wall %ss; guest uptime (s): /init %s, switch_root %s, stage2 %s, command start %s, end %s\n' \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')" \
        "$(g t_init)" "$(g t_switch)" "$(g t_stage2)" "$(g t_cmd_start)" "$(g t_cmd_end)" >&2
fi
exit "$status"
