#!/bin/bash
# test-uprobes.sh - real uprobes and USDT probes on this machine (root):
# install bridge-loop and USDT/uprobe triggers on probe-usdt-prog, check
# uprobe_events, idempotent re-install, roll back of a failed install,
# record with perf, check every argument value in perf script (register,
# stack memory, immediate, RIP-relative global, semaphore-guarded probe
# and uretprobe), remove --all and check nothing of ours is left.  Also:
# `install ovs-dp` on a kernel without kprobe events fails with one line;
# not root fails with one line; an unmounted tracefs gets mounted.
# Usage: test-uprobes.sh OVSPERF_PROBE USDT_PROG        (exit 77: skipped)
set -u
P=$1
PROG=$(realpath "$2")
T=/sys/kernel/tracing
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -e $T/uprobe_events ] || mount -t tracefs nodev $T 2>/dev/null
[ -e $T/uprobe_events ] || { echo "SKIP: no uprobe_events in $T"; exit 77; }
command -v perf >/dev/null || { echo "SKIP: no perf"; exit 77; }
export OVSPERF_TRACEFS=
W=$(mktemp -d /tmp/test-uprobes.XXXXXX)
fail=0
die() { echo "FAIL: $*"; fail=1; }
ours() { grep -c "ovsperf/" $T/dynamic_events $T/uprobe_events | awk -F: '{s+=$2} END {print s}'; }
cleanup() { $P remove --all >/dev/null 2>&1; rm -rf "$W"; }
trap cleanup EXIT

$P remove --all >/dev/null || die "initial remove --all"

# A failed install leaves nothing behind (run_start is created, then removed).
out=$($P install u:main:run_start u:main:no_such_probe --binary "$PROG" 2>&1) && die "bad probe accepted"
[[ $out == *"has no USDT probe main:no_such_probe"* ]] || die "missing-probe message: $out"
[ "$(echo "$out" | wc -l)" = 1 ] || die "error is not one line: $out"
[ "$(ours)" = 0 ] || die "roll back left events: $(grep ovsperf/ $T/dynamic_events)"
# A definition the kernel rejects: its error_log line, and the roll back.
out=$($P install bridge-loop 'up:usdt_work x=arg1:badtype' --binary "$PROG" 2>&1) && die "bad type accepted"
[[ $out == *"kernel rejected p:ovsperf/usdt_work"*"Unknown type"* ]] || die "kernel error: $out"
[ "$(echo "$out" | wc -l)" = 1 ] || die "kernel error is not one line: $out"
[ "$(ours)" = 0 ] || die "roll back after a kernel error left events"
out=$($P install bridge-loop --binary /bin/true 2>&1) && die "binary without notes accepted"
[[ $out == *"has no USDT probes (no .note.stapsdt"* ]] || die "no-notes message: $out"

SETS="bridge-loop u:test:args u:test:sema up:usdt_work upr:usdt_work"
out=$($P install $SETS --binary "$PROG") || die "install: $out"
[[ $out == "6 events ready (6 created): "* ]] || die "install output: $out"
for e in run_start poll_block args sema usdt_work; do
	grep -q "^p:ovsperf/$e $PROG:0x" $T/uprobe_events || die "no uprobe for $e"
done
grep -q "^r:ovsperf/usdt_work__return $PROG:0x" $T/uprobe_events || die "no uretprobe"
grep -q "^p:ovsperf/sema $PROG:0x[0-9a-f]*(0x[0-9a-f]*) arg1=" $T/uprobe_events ||
	die "semaphore probe without reference counter: $(grep sema $T/uprobe_events)"
[ "$($P list | wc -l)" = 6 ] || die "list: $($P list)"
out=$($P install $SETS --binary "$PROG") || die "re-install: $out"
[[ $out == "6 events ready (0 created): "* ]] || die "re-install is not idempotent: $out"
[ "$(ours)" = 12 ] || die "events duplicated: $(ours)"   # each in both files

# Record with perf and read it back.
EV=$($P perf-cmd -e $SETS)
( cd "$W" && perf record -q $EV -o perf.data -- "$PROG" 20 500 >prog.out 2>perf.err ) ||
	die "perf record: $(cat "$W"/perf.err)"
grep -q "iterations 20 semaphore-seen 20" "$W/prog.out" || die "semaphore not set while probed: $(cat "$W"/prog.out)"
perf script -i "$W/perf.data" -F event,trace >"$W/script" 2>/dev/null || die "perf script"
for e in run_start poll_block args sema usdt_work usdt_work__return; do
	n=$(grep -c "ovsperf:$e:" "$W/script")
	[ "$n" = 20 ] || die "$n $e events, want 20"
done
# args: arg1=i (register), arg2=2i (stack), arg3=5 (immediate), arg4=i+100 (global).
bad=$(awk '/ovsperf:args:/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	if (v["arg2"] != 2 * v["arg1"] || v["arg3"] != 5 || v["arg4"] != v["arg1"] + 100) print }' "$W/script")
[ -z "$bad" ] || die "wrong USDT argument values: $bad"
[ "$(awk '/ovsperf:args:/ {print}' "$W/script" | grep -c 'arg1=19 ')" = 1 ] || die "arg1 does not reach 19"
grep -q "ovsperf:sema: .* arg1=7\$" "$W/script" || die "sema arg1 values"

out=$($P remove --all) || die "remove --all"
[ "$out" = "6 events removed" ] || die "remove output: $out"
[ "$(ours)" = 0 ] || die "left after remove --all: $(grep ovsperf/ $T/dynamic_events $T/uprobe_events)"

# remove SET touches only that set's events.
$P install bridge-loop u:test:args --binary "$PROG" >/dev/null || die "install 2"
[ "$($P remove bridge-loop)" = "2 events removed" ] || die "remove bridge-loop"
grep -q "ovsperf/args" $T/uprobe_events || die "remove bridge-loop removed args"
$P remove --all >/dev/null

# --pid: the binary from /proc/PID/exe, a libc function from its mappings
# (a shared-library offset); both fire in that process.
"$PROG" 100000 1000 >/dev/null & PID=$!
# --pid reads /proc/PID/exe and maps: wait for the exec (a fixed sleep could
# end before it on a loaded machine, and the probes would go on the shell).
for _ in $(seq 300); do
	[ "$(readlink /proc/$PID/exe)" = "$PROG" ] && grep -q '/libc[.-]' /proc/$PID/maps && break
	sleep 0.05
done
out=$($P install bridge-loop up:usleep --pid $PID 2>&1) || die "install --pid: $out"
LIBC=$(awk '$6 ~ /\/libc[.-]/ {print $6; exit}' /proc/$PID/maps)
grep -q "^p:ovsperf/usleep $LIBC:0x" $T/uprobe_events || die "usleep uprobe not in $LIBC: $(grep usleep $T/uprobe_events)"
perf record -q -e ovsperf:usleep -e ovsperf:run_start -p $PID -o "$W/pid.data" -- sleep 0.5 2>/dev/null
n=$(perf script -i "$W/pid.data" -F event 2>/dev/null | grep -c "ovsperf:usleep:")
# (some: how many of its 1 ms sleeps fit in 0.5 s depends on the load)
[ "$n" -gt 0 ] || die "$n usleep events with --pid"
kill $PID; wait $PID 2>/dev/null
$P remove --all >/dev/null

# Not root: one line, nothing done.
if command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups $P install bridge-loop --binary "$PROG" 2>&1) &&
		die "installed as nobody"
	[[ $out == *"must be root"* ]] && [ "$(echo "$out" | wc -l)" = 1 ] || die "not-root message: $out"
fi
# tracefs not mounted: it is mounted (in a private mount namespace here).
if command -v unshare >/dev/null; then
	out=$(unshare -m sh -c "umount $T && ! grep -q ' $T tracefs' /proc/mounts &&
		$P install bridge-loop --binary '$PROG' >/dev/null && grep -q ' $T tracefs' /proc/mounts &&
		grep -c ovsperf/ $T/uprobe_events" 2>&1)
	[ "$out" = 2 ] || die "install with tracefs unmounted: $out"
	$P remove --all >/dev/null
fi

# This kernel has no kprobes: the one-line error (when that is so).
if [ ! -e $T/kprobe_events ]; then
	out=$($P install ovs-dp 2>&1) && die "ovs-dp installed without kprobes"
	[ "$(echo "$out" | wc -l)" = 1 ] || die "kprobe error is not one line: $out"
	[[ $out == *"this kernel has no kprobe events"* ]] || die "kprobe error: $out"
fi
[ $fail = 0 ] && echo "uprobes: all passed"
exit $fail
