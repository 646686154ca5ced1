#!/bin/bash
# mmap-pages.sh - the ring buffer size of `ovsperf-probe record`
# (ovsperf-probe(1): -m PAGES, default 256, 1 MiB): the recorder's own
# perf_event mappings, read from /proc/PID/maps by the command it records
# (its parent), are 1 + PAGES pages each (the control page and the data),
# one per CPU: 256 data pages without -m, the number given with -m.
# Root (perf events on a tracepoint); exit 77 without.
# Usage: mmap-pages.sh OVSPERF_PROBE WORKDIR
set -u
P=$1
W=$2
[ "$(id -u)" = 0 ] || { echo "SKIP: not root"; exit 77; }
T=${OVSPERF_TRACEFS:-/sys/kernel/tracing}
[ -d "$T/events/sched/sched_switch" ] || { echo "SKIP: no tracefs at $T"; exit 77; }
mkdir -p "$W"
page=$(getconf PAGESIZE)
cpus=$(getconf _NPROCESSORS_ONLN)
fail=0

# check DESC PAGES [OPTION...]: record a command that copies the recorder's
# maps; every ring buffer mapping must be 1 + PAGES pages, one per CPU.
check() {
	local d=$1 pages=$2 maps=$W/maps.txt
	shift 2
	rm -f "$maps"
	if ! "$P" record -e sched:sched_switch -q "$@" -o "$W/mmap.data" -- \
		sh -c 'cat /proc/$PPID/maps > "$0"' "$maps" 2>"$W/record.err"; then
		echo "FAIL: $d: record failed: $(cat "$W/record.err")"; fail=1; return
	fi
	local sizes
	sizes=$(grep -F 'anon_inode:[perf_event]' "$maps" | while IFS='- ' read -r lo hi _; do
			echo $((0x$hi - 0x$lo))
		done | sort | uniq -c | awk '{ print $1 "x" $2 }')
	local want="${cpus}x$(((pages + 1) * page))"
	if [ "$sizes" != "$want" ]; then
		echo "FAIL: $d: ring buffer mappings (count x bytes) $sizes, expected $want"
		fail=1
	else
		echo "$d: $cpus ring buffers of 1 + $pages pages of $page bytes"
	fi
}
check "default" 256
check "-m 8" 8 -m 8
check "--mmap-pages 1" 1 --mmap-pages 1
rm -f "$W/mmap.data" "$W/maps.txt" "$W/record.err"
[ "$fail" = 0 ] && echo PASS
exit $fail
