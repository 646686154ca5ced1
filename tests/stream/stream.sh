#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# stream.sh - live streaming over a pipe (CTest label root):
#   1. perf record -o - | ovsperf-analyze info -   prints the report when the
#      pipe closes, and its counts equal `perf script` on the same stream
#      saved with tee;
#   2. while perf still writes, a first SIGINT to the analyzer alone does not
#      stop it (on a live stream it waits for the writer to close it); a
#      second one makes it stop reading and print the report of what it
#      read, marked partial (exit 130), not die.
# Usage: stream.sh OVSPERF_ANALYZE WORKDIR
set -u
analyze=$1
work=$2
fail=0
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for perf record -a"; exit 77; }
command -v perf >/dev/null || { echo "SKIP: no perf"; exit 77; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
rm -rf "$work" && mkdir -p "$work"

# 1. The pipe closes: the report comes out, equal to perf's view of the stream.
perf record -q -a -e sched:sched_switch -e sched:sched_wakeup -o - -- sleep 0.5 2>/dev/null |
	tee "$work/stream.data" | "$analyze" info --json - > "$work/info.json" 2> "$work/info.err"
rc=$?
[ $rc = 0 ] || { echo "FAIL: info - exited $rc: $(cat "$work/info.err")"; fail=1; }
want=$(perf script -i - < "$work/stream.data" 2>/dev/null | wc -l)
got=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['recording']['events'])" \
	"$work/info.json" 2>/dev/null)
[ -n "$got" ] && [ "$got" = "$want" ] && [ "$want" -gt 0 ] ||
	{ echo "FAIL: streamed events $got, perf script on the same stream $want"; fail=1; }

# 2. SIGINT to the analyzer while perf keeps writing.
fifo="$work/fifo"
mkfifo "$fifo"
perf record -q -a -e sched:sched_switch -o - -- sleep 30 2>/dev/null > "$fifo" &
perfpid=$!
"$analyze" info - < "$fifo" > "$work/int.txt" 2> "$work/int.err" &
apid=$!
sleep 3
kill -INT $apid
sleep 1
kill -0 $apid 2>/dev/null || { echo "FAIL: the first SIGINT stopped a live stream"; fail=1; }
kill -INT $apid
for _ in $(seq 50); do kill -0 $apid 2>/dev/null || break; sleep 0.1; done
if kill -0 $apid 2>/dev/null; then
	echo "FAIL: the analyzer did not stop on the second SIGINT"; fail=1; kill -9 $apid
fi
wait $apid; rc=$?
kill -INT $perfpid 2>/dev/null; wait $perfpid 2>/dev/null
[ $rc = 130 ] || { echo "FAIL: exit $rc after SIGINT, want 130: $(cat "$work/int.err")"; fail=1; }
grep -q '^sched:sched_switch' "$work/int.txt" ||
	{ echo "FAIL: no report after SIGINT"; cat "$work/int.txt"; fail=1; }
grep -q 'interrupted by a signal; counts are partial' "$work/int.txt" ||
	{ echo "FAIL: the report does not say it is partial"; fail=1; }

[ $fail = 0 ] && echo PASS
exit $fail
