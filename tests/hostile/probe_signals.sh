#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# probe_signals.sh - interrupted ovsperf-probe commands leave nothing
# half-done (CTest label root: uprobes, perf events on this machine):
#   1. `install` of a set of 300 libc uprobes, SIGINT (then SIGTERM) once
#      some of its events exist: exit 130 (143), one line saying it was
#      interrupted, and none of the set's events left in uprobe_events;
#   2. `record -e sched:sched_switch -a` killed by SIGKILL while it records:
#      the file it leaves (NAME itself: record writes in place) has a real
#      header that counts the records on disk (not zeros), and ovsperf-analyze
#      reads it to its end: info and script print its records (as many as
#      perf script finds), one warning that the recorder did not finish,
#      exit 2; a report reads it too (its formats open the data);
#   3. `record SET -o - | head -c 8192`: when its reader goes away, record
#      removes the probes it installed and dies of SIGPIPE quietly (141, no
#      message), as perf record does; also when SIGPIPE was ignored by its
#      parent.
# Usage: probe_signals.sh OVSPERF_PROBE OVSPERF_ANALYZE WORKDIR   (77: skipped)
set -u
probe=$1
analyze=$2
work=$3
T=/sys/kernel/tracing
LIBC=/lib/x86_64-linux-gnu/libc.so.6
fail=0
bad() { echo "FAIL: $*"; fail=1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -e $T/uprobe_events ] || mount -t tracefs nodev $T 2>/dev/null
[ -e $T/uprobe_events ] || { echo "SKIP: no uprobe_events"; exit 77; }
[ -e $LIBC ] || { echo "SKIP: no $LIBC"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
unset OVSPERF_TRACEFS

# 300 libc functions, one uprobe each (event ovsperf:FUNC).
nm -D --defined-only $LIBC | awk '$2 == "T" || $2 == "W" || $2 == "i" { print $3 }' |
	sed 's/@.*//' | grep -E '^[a-z][a-z0-9_]*$' | sort -u | head -300 > "$work/funcs"
[ "$(wc -l < "$work/funcs")" = 300 ] || { echo "SKIP: fewer than 300 libc functions"; exit 77; }
{ echo "description 300 libc uprobes (tests/hostile)"; sed "s|^|up:$LIBC:|" "$work/funcs"; } \
	> "$work/many.probes"
mine() { grep -cFf <(sed 's|^|p:ovsperf/|; s|$| |' "$work/funcs") $T/uprobe_events; }
cleanup() { "$probe" remove "$work/many.probes" >/dev/null 2>&1; }
trap cleanup EXIT
cleanup
[ "$(mine)" = 0 ] || { echo "SKIP: events of the test set exist already"; exit 77; }

for sig in INT TERM; do
	"$probe" install "$work/many.probes" > "$work/install.out" 2> "$work/install.err" &
	pid=$!
	for _ in $(seq 2000); do
		[ "$(mine)" -ge 5 ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.002
	done
	seen=$(mine)
	kill -$sig $pid
	wait $pid; rc=$?
	want=$((128 + $(kill -l $sig)))
	if [ "$seen" -lt 5 ] || [ "$seen" = 300 ]; then
		bad "SIG$sig: the install was not caught halfway ($seen of 300 events when signalled)"
	fi
	[ $rc = $want ] || bad "install, SIG$sig: exit $rc, want $want: $(cat "$work/install.err")"
	grep -q "^ovsperf-probe: install: interrupted by SIG$sig: the events it had created were removed$" \
		"$work/install.err" && [ "$(wc -l < "$work/install.err")" = 1 ] ||
		bad "install, SIG$sig: message: $(cat "$work/install.err")"
	left=$(mine)
	[ "$left" = 0 ] || bad "install, SIG$sig: $left of the set's events left after the roll back"
	echo "install, SIG$sig: $seen events existed when signalled; exit $rc; $left left"
done

# 2. record killed by SIGKILL.
"$probe" record -e sched:sched_switch -a -o "$work/killed.data" > /dev/null 2> "$work/rec.err" &
pid=$!
# record writes NAME in place, as perf record does: killed, NAME is left.
killed() { ls "$work"/killed.data 2>/dev/null | head -n 1; }
# Some passes written (the header counts them), then no chance to finish.
for _ in $(seq 100); do
	sleep 0.1
	f=$(killed)
	sz=$([ -n "$f" ] && stat -c %s "$f" || echo 0)
	[ "$sz" -gt 65536 ] && break
done
sleep 0.5
kill -KILL $pid
wait $pid 2>/dev/null
[ -z "$(ls -A "$work" | grep '^\.killed')" ] || bad "killed record: a temporary was left"
python3 - "$work/killed.data" <<'EOF' || bad "killed record: header"
import struct, sys
b = open(sys.argv[1], "rb").read()
magic, size, attr_size, ao, asz, do, ds = struct.unpack_from("<8sQQQQQQ", b, 0)
feats = struct.unpack_from("<4Q", b, 72)
ok = magic == b"PERFILE2" and size == 104 and asz > 0 and 0 < ds <= len(b) - do and not any(feats)
print("killed record: %d bytes, header counts %d bytes of data from %d, features %s" % (
    len(b), ds, do, "none" if not any(feats) else feats))
sys.exit(0 if ok else 1)
EOF
"$analyze" info --json "$work/killed.data" > "$work/info.json" 2> "$work/info.err"
rc=$?
[ $rc = 2 ] || bad "info on the killed recording: exit $rc, want 2: $(cat "$work/info.err")"
grep -q "did not finish" "$work/info.err" && [ "$(wc -l < "$work/info.err")" = 1 ] ||
	bad "info: want one warning that the recorder did not finish: $(cat "$work/info.err")"
got=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['recording']['events'])" \
	"$work/info.json" 2>/dev/null)
"$analyze" script -q "$work/killed.data" > "$work/script.txt" 2>/dev/null
lines=$(wc -l < "$work/script.txt")
pwant=$(perf script -i "$work/killed.data" 2>/dev/null | wc -l)
echo "killed record: info counts ${got:-?} events, script prints $lines, perf script $pwant"
[ -n "$got" ] && [ "$got" -gt 0 ] && [ "$got" = "$lines" ] ||
	bad "killed record: info ${got:-?} events, script $lines lines"
if command -v perf >/dev/null && [ "$pwant" -gt 0 ]; then
	[ "$lines" = "$pwant" ] || bad "killed record: script $lines lines, perf script $pwant"
fi
# This shell's sleeps are among the sched_switch samples.
"$analyze" kernel-delay --pid $$ "$work/killed.data" > "$work/kd.out" 2> "$work/kd.err"
rc=$?
[ $rc = 2 ] && grep -q "did not finish" "$work/kd.err" && [ "$(wc -l < "$work/kd.err")" = 1 ] &&
	grep -q "RUN STATISTICS\|READY STATISTICS\|SYSCALL STATISTICS" "$work/kd.out" ||
	bad "a report on the killed recording: exit $rc: $(cat "$work/kd.err") $(head -5 "$work/kd.out")"

# 3. record -o - whose reader goes away.
head -n 3 "$work/funcs" | sed "s|^|up:$LIBC:|" > "$work/three.probes"
for ign in "" "trap '' PIPE;"; do
	bash -c "$ign \"\$0\" record -q \"\$1\" -e sched:sched_switch -a -o - 2> \"\$2\" |
		head -c 8192 > /dev/null; exit \${PIPESTATUS[0]}" \
		"$probe" "$work/three.probes" "$work/pipe.err"
	rc=$?
	left=$(head -n 3 "$work/funcs" | sed 's|^|p:ovsperf/|; s|$| |' | grep -cFf - $T/uprobe_events)
	echo "record -o - | head (${ign:-SIGPIPE default}): exit $rc, $left of its 3 probes left"
	[ $rc = 141 ] || bad "record -o - | head ($ign): exit $rc, want 141: $(cat "$work/pipe.err")"
	[ ! -s "$work/pipe.err" ] || bad "record -o - | head ($ign): message: $(cat "$work/pipe.err")"
	[ "$left" = 0 ] || bad "record -o - | head ($ign): $left probes left installed"
done

[ $fail = 0 ] && echo PASS
exit $fail
