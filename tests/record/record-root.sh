#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# record-root.sh - end-to-end test of `ovsperf-probe record` on this machine
# (CTest label root).  Records real events, then checks that perf reads the
# files and agrees with what record reported:
#   1. sched:sched_switch + raw_syscalls:sys_enter system-wide for 1 s under a
#      workload: perf script shows both events, its sample count equals the
#      count record printed, perf report --stdio succeeds, the header has the
#      features, and the stored kallsyms block is the real one;
#   2. a uprobe on the USDT point main:run_start of the fake ovs-vswitchd,
#      recorded with -p: perf script shows the uprobe samples of that process;
#   2c. the bridge-loop probe set recorded with -p: its USDT events have
#      samples, and record removes the probes it created, also when it fails
#      and when SIGTERM stops it;
#   3. -g: perf report resolves the kernel call chain of the samples;
#   4. SIGINT stops an open-ended recording and leaves a valid file;
#   4b. with a 1-page buffer under load, the lost events record warns about
#      are the LOST records perf finds in the file;
#   2b. archive of recording 2 unpacks to the same perf.data, the machine's
#      kallsyms and uname, and the fake ovs-vswitchd's symbols and build id;
#   5. when ovsperf-analyze script works: its output equals
#      `perf script --ns -F comm,tid,cpu,time,event,trace` on recordings 1, 2
#      and 2c;
#   6. record --archive also writes OUTPUT.tar.zst, which ovsperf-analyze -r
#      reads to the same samples as the recording;
#   7. --duration with a unit (300ms, 2m) or without (0.4 s), the recording
#      stopped by the end of -- CMD or by --duration (CMD gets SIGTERM), -q
#      prints nothing, the start message and the summary line without it, an
#      event that does not exist is one line, exit 2, no file.
#
# Usage: record-root.sh OVSPERF_PROBE FAKE_VSWITCHD WORKDIR [OVSPERF_ANALYZE]
# Exit 77 (skip) without root, perf or tracefs.
set -u

probe=$1
vswitchd=$2
work=$3
analyze=${4:-}
tracefs=/sys/kernel/tracing
group=ovsperf_rectest
fail=0
vpid=

skip() { echo "SKIP: $*"; exit 77; }
bad() { echo "FAIL: $*"; fail=1; }

[ "$(id -u)" = 0 ] || skip "needs root"
command -v perf >/dev/null || skip "perf is not installed"
[ -d $tracefs/events ] || mount -t tracefs nodev $tracefs 2>/dev/null
[ -f $tracefs/events/sched/sched_switch/format ] || skip "no tracefs at $tracefs"
[ -x "$probe" ] || skip "$probe not built"

cleanup() {
	[ -n "$vpid" ] && kill "$vpid" 2>/dev/null
	[ -n "$vpid" ] && wait "$vpid" 2>/dev/null
	if [ -d $tracefs/events/$group ]; then
		echo 0 > $tracefs/events/$group/enable 2>/dev/null
		echo "-:$group/run_start" >> $tracefs/uprobe_events 2>/dev/null
	fi
}
trap cleanup EXIT
mkdir -p "$work"
rm -f "$work"/rec-*.data "$work"/rec-*.txt "$work"/rec-*.term

# Sample count from record's summary line "[ ... (N samples) ]".
samples_of() { sed -n 's/.*(\([0-9]*\) samples) ]$/\1/p' "$1"; }

### 1. tracepoints, system-wide ###############################################
f1=$work/rec-tp.data
# The workload runs as long as record does (a fixed number of runs could
# end before a slow start of record on a loaded machine).
"$probe" record -e sched:sched_switch -e raw_syscalls:sys_enter -a --duration 1 \
	-o "$f1" 2> "$work/rec-tp.err" &
rpid=$!
( while kill -0 $rpid 2>/dev/null; do ls -R /usr/include >/dev/null; sleep 0.02; done ) &
load=$!
wait $rpid
rc=$?
wait $load
[ $rc = 0 ] || bad "record (tracepoints) exited $rc: $(cat "$work/rec-tp.err")"
perf script -i "$f1" --ns -F comm,tid,cpu,time,event,trace > "$work/rec-tp.perf.txt" \
	2> "$work/rec-tp.perf.err" || bad "perf script failed on $f1"
n_switch=$(grep -c ' sched:sched_switch: ' "$work/rec-tp.perf.txt")
n_enter=$(grep -c ' raw_syscalls:sys_enter: ' "$work/rec-tp.perf.txt")
[ "$n_switch" -gt 10 ] || bad "only $n_switch sched_switch samples"
[ "$n_enter" -gt 100 ] || bad "only $n_enter sys_enter samples"
n_rec=$(samples_of "$work/rec-tp.err")
[ "$((n_switch + n_enter))" = "$n_rec" ] ||
	bad "perf script shows $((n_switch + n_enter)) samples, record wrote ${n_rec:-?}"
# Thread names come from the synthesized COMM records: the workload's ls.
grep -q '^ *ls ' "$work/rec-tp.perf.txt" || bad "no sample of comm 'ls'"
# Time order across CPUs (FINISHED_ROUND semantics respected by the writer).
awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { t = $i + 0;
	if (t < last) { print "out of order: " $0; exit 1 } last = t } }' \
	"$work/rec-tp.perf.txt" || bad "perf script output not in time order"
perf report -i "$f1" --stdio > "$work/rec-tp.report.txt" 2>&1 || bad "perf report failed"
grep -q "of event 'sched:sched_switch'" "$work/rec-tp.report.txt" ||
	bad "perf report does not list sched:sched_switch"
grep -q "restricted" "$work/rec-tp.report.txt" && bad "perf report: kernel maps restricted"
perf report -i "$f1" --header-only > "$work/rec-tp.header.txt" 2>&1 || bad "perf report --header-only"
for want in "# hostname : $(uname -n)" "# os release : $(uname -r)" "# arch : $(uname -m)" \
	"# nrcpus online : $(nproc)" "# event : name = sched:sched_switch" \
	"# event : name = raw_syscalls:sys_enter" "# cmdline : ovsperf-probe record -e sched:sched_switch"; do
	grep -qF "$want" "$work/rec-tp.header.txt" || bad "header lacks '$want'"
done
# The TRACING_DATA block holds the real /proc/kallsyms (perf skips it).
grep -aq " T _text$" "$f1" || bad "no kallsyms text in $f1"

### 2. USDT point as a uprobe, one process ####################################
if [ -x "$vswitchd" ] && [ -w $tracefs/uprobe_events ]; then
	# Address of main:run_start from the SDT note, as a file offset.
	loc=$(readelf -nW "$vswitchd" | awk '/Provider: main$/ { p = 1; next }
		p && /Name: run_start$/ { n = 1; next }
		n && /Location:/ { sub(",", "", $2); print $2; exit }')
	off=
	while read -r type foff vaddr _ fsize _; do
		[ "$type" = LOAD ] || continue
		if [ -n "$loc" ] && (( loc >= vaddr && loc < vaddr + fsize )); then
			off=$(printf "0x%x" $((loc - vaddr + foff)))
			break
		fi
	done < <(readelf -lW "$vswitchd")
	if [ -z "$loc" ] || [ -z "$off" ]; then
		bad "cannot locate main:run_start in $vswitchd"
	elif ! echo "p:$group/run_start $vswitchd:$off" >> $tracefs/uprobe_events; then
		bad "cannot create the uprobe"
	else
		# It runs until killed below (30 s at most): a shorter run could
		# end before a slow record -p started, or before its threads
		# are listed below.
		"$vswitchd" 30000 & vpid=$!
		sleep 0.2
		f2=$work/rec-usdt.data
		"$probe" record -e $group:run_start -e sched:sched_switch -p $vpid -d 0.5 \
			-o "$f2" 2> "$work/rec-usdt.err" || bad "record (uprobe) failed: $(cat "$work/rec-usdt.err")"
		perf script -i "$f2" --ns -F comm,tid,cpu,time,event,trace > "$work/rec-usdt.perf.txt" \
			2>/dev/null || bad "perf script failed on $f2"
		n_usdt=$(grep -c " $group:run_start: " "$work/rec-usdt.perf.txt")
		# How many turns of its loop the process makes in 0.5 s depends on
		# the machine's load (12 seen with both CPUs busy): some, not a
		# number.
		[ "$n_usdt" -gt 0 ] || bad "no run_start samples"
		# -p: every sample belongs to a thread of the process, except the
		# switches *to* one of its threads, which run in the task switched
		# from (-p with sched_switch records on every CPU, filtered on
		# prev_pid/next_pid: ovsperf-probe(1)).
		tids=" $(ls /proc/$vpid/task | tr '\n' ' ')"
		awk -v tids="$tids" '{
			if (index(tids, " " $2 " ")) next
			if (match($0, / next_pid=[0-9]+/) && index($0, "sched:sched_switch:") &&
			    index(tids, " " substr($0, RSTART + 10, RLENGTH - 10) " ")) next
			print; exit 1
		}' "$work/rec-usdt.perf.txt" || bad "sample of another process in $f2"
		grep -q "sched:sched_switch:.* next_pid=\($(ls /proc/$vpid/task | paste -sd'|' | sed 's/|/\\|/g')\) " \
			"$work/rec-usdt.perf.txt" || bad "no switch to a thread of the process in $f2"
		grep -q "^ *ovs-vswitchd  *$vpid .* $group:run_start:" "$work/rec-usdt.perf.txt" ||
			bad "no run_start sample named ovs-vswitchd"
		kill $vpid; wait $vpid 2>/dev/null; vpid=
	fi
else
	echo "note: no uprobe test ($vswitchd missing or no uprobe_events)"
fi

### 2b. archive of the uprobe recording ######################################
if [ -f "$work/rec-usdt.data" ]; then
	arc=$work/rec-usdt.tar.zst
	"$probe" archive "$work/rec-usdt.data" -o "$arc" 2> "$work/rec-arc.err" ||
		bad "archive failed: $(cat "$work/rec-arc.err")"
	rm -rf "$work/arc" && mkdir -p "$work/arc" &&
		tar --zstd -xf "$arc" -C "$work/arc" || bad "cannot unpack $arc"
	cmp -s "$work/arc/perf.data" "$work/rec-usdt.data" || bad "archived perf.data differs"
	cmp -s "$work/arc/kallsyms" <(cat /proc/kallsyms) || bad "archived kallsyms differs"
	grep -qx "$(uname -snrvm)" "$work/arc/uname" || bad "archived uname differs"
	syms="$work/arc/symbols/$(echo "${vswitchd#/}" | tr / _).syms"
	grep -q " [Tt] spin_ns$" "$syms" || bad "no spin_ns in $syms"
	grep -q "^# build-id: $(perf buildid-list -i "$work/rec-usdt.data" 2>/dev/null |
		awk -v p="$vswitchd" '$2 == p { print $1 }')$" "$syms" || bad "wrong build id in $syms"
	for m in perf.data kallsyms uname "symbols/"; do
		grep -q "^file: $m" "$work/arc/MANIFEST" || bad "MANIFEST lacks $m"
	done
fi

### 2c. a probe set: installed, recorded, removed (also on error) #############
if [ -x "$vswitchd" ] && [ -w $tracefs/uprobe_events ]; then
	"$vswitchd" 30000 & vpid=$!	# killed below
	sleep 0.2
	existed=no
	[ -d $tracefs/events/ovsperf/run_start ] && existed=yes
	f5=$work/rec-set.data
	"$probe" record bridge-loop -p $vpid -d 0.5 -o "$f5" 2> "$work/rec-set.err" ||
		bad "record bridge-loop failed: $(cat "$work/rec-set.err")"
	perf script -i "$f5" --ns -F comm,tid,cpu,time,event,trace > "$work/rec-set.perf.txt" \
		2>/dev/null || bad "perf script failed on $f5"
	for ev in ovsperf:run_start ovsperf:poll_block; do
		n=$(grep -c " $ev: " "$work/rec-set.perf.txt")
		[ "$n" -gt 0 ] || bad "no $ev samples from the bridge-loop set"	# (as above)
	done
	if [ $existed = no ]; then
		[ -d $tracefs/events/ovsperf/run_start ] && bad "record left ovsperf:run_start installed"
		# An error after the install (unknown -e event) still removes the probes.
		"$probe" record bridge-loop -e nosuch:event -p $vpid -d 0.2 			-o "$work/rec-bad.data" 2> "$work/rec-bad.err" && bad "record with a bad event succeeded"
		grep -q "nosuch:event" "$work/rec-bad.err" || bad "error does not name the bad event"
		[ -d $tracefs/events/ovsperf/run_start ] && bad "probes left installed after an error"
		[ -e "$work/rec-bad.data" ] && bad "a failed record left its output file"
		# SIGTERM ends an open-ended recording cleanly, probes removed too.
		# SIGTERM once record says it records (its "Recording" line
		# follows the install), then a few turns of the loop: a fixed
		# sleep could end before a slow install on a loaded machine.
		"$probe" record bridge-loop -p $vpid -o "$work/rec-term.data" \
			2> "$work/rec-term.err" &
		rpid=$!
		for _ in $(seq 600); do
			grep -q '^Recording' "$work/rec-term.err" && break
			kill -0 $rpid 2>/dev/null || break
			sleep 0.1
		done
		sleep 0.3
		kill -TERM $rpid
		wait $rpid || bad "record stopped by SIGTERM exited $?: $(cat "$work/rec-term.err")"
		[ -d $tracefs/events/ovsperf/run_start ] && bad "probes left installed after SIGTERM"
		perf script -i "$work/rec-term.data" 2>/dev/null | grep -q " ovsperf:run_start: " ||
			bad "no run_start sample in the SIGTERM recording"
	fi
	kill $vpid; wait $vpid 2>/dev/null; vpid=
fi

### 3. call chains ############################################################
f3=$work/rec-g.data
"$probe" record -e raw_syscalls:sys_enter -g -d 0.3 -q -o "$f3" 2> "$work/rec-g.err" &
rpid=$!
( while kill -0 $rpid 2>/dev/null; do ls -R /usr/include >/dev/null; done ) &	# as long as record
load=$!
wait $rpid || bad "record -g failed: $(cat "$work/rec-g.err")"
wait $load
perf report -i "$f3" --stdio -G > "$work/rec-g.report.txt" 2>&1 || bad "perf report -g failed"
perf script -i "$f3" > "$work/rec-g.perf.txt" 2>/dev/null || bad "perf script failed on $f3"
grep -q "do_syscall_64+0x[0-9a-f]* (\[kernel.kallsyms\])" "$work/rec-g.perf.txt" ||
	bad "kernel call chain not resolved"
# User frames resolve through the synthesized MMAP records (libc symbols).
grep -q " [A-Za-z_][A-Za-z_0-9]*+0x[0-9a-f]* (/.*libc\.so[.0-9]*)" "$work/rec-g.perf.txt" ||
	bad "user call chain not resolved"

### 4. SIGINT #################################################################
f4=$work/rec-int.data
"$probe" record -e sched:sched_switch -o "$f4" 2> "$work/rec-int.err" &
rpid=$!
# SIGINT once it records (a fixed sleep could end before a slow start).
for _ in $(seq 600); do
	grep -q '^Recording' "$work/rec-int.err" && break
	kill -0 $rpid 2>/dev/null || break
	sleep 0.1
done
sleep 0.2
kill -INT $rpid
wait $rpid || bad "record stopped by SIGINT exited $?"
perf script -i "$f4" > /dev/null 2>&1 || bad "perf script failed after SIGINT"

### 4b. lost events: a 1-page ring buffer under a syscall storm ##############
f6=$work/rec-lost.data
dd if=/dev/zero of=/dev/null bs=1 count=20000000 2>/dev/null &
load=$!
"$probe" record -e raw_syscalls:sys_enter -m 1 -d 0.5 -q -o "$f6" 2> "$work/rec-lost.err" ||
	bad "record -m 1 failed: $(cat "$work/rec-lost.err")"
kill $load 2>/dev/null; wait $load 2>/dev/null
# "warning: lost N events in M chunks" vs perf's "lost M chunks" and the sum
# of PERF_RECORD_LOST.lost that perf report prints per event.
ours=$(sed -n 's/.*lost \([0-9]*\) events in \([0-9]*\) chunks.*/\1 \2/p' "$work/rec-lost.err")
perf_chunks=$(perf report -i "$f6" --stdio 2>&1 | sed -n 's/.*and lost \([0-9]*\) chunks.*/\1/p' | head -1)
if [ -n "$ours" ]; then
	[ "${ours#* }" = "${perf_chunks:-0}" ] ||
		bad "record reports ${ours#* } LOST chunks, perf counts ${perf_chunks:-0}"
	if [ -n "$analyze" ] && [ -x "$analyze" ] && "$analyze" info "$f6" > "$work/rec-lost.info" 2>&1; then
		grep -q "^lost: *${ours% *} events in ${ours#* } LOST records" "$work/rec-lost.info" ||
			bad "ovsperf-analyze info does not count ${ours% *} lost events in ${ours#* } records"
	fi
else
	[ -z "$perf_chunks" ] || bad "perf sees $perf_chunks lost chunks, record reported none"
	echo "note: no events were lost with -m 1"
fi

### 5. ovsperf-analyze script agrees with perf script ##########################
if [ -n "$analyze" ] && [ -x "$analyze" ] &&
	"$analyze" script "$f1" > "$work/rec-tp.ovp.txt" 2> "$work/rec-tp.ovp.err"; then
	for t in tp usdt set; do
		[ -f "$work/rec-$t.perf.txt" ] || continue
		[ "$t" = tp ] || "$analyze" script "$work/rec-$t.data" > "$work/rec-$t.ovp.txt" ||
			bad "ovsperf-analyze script failed on rec-$t.data"
		# Compare modulo column padding.
		if ! diff <(tr -s ' ' < "$work/rec-$t.perf.txt" | sed 's/^ //') \
			<(tr -s ' ' < "$work/rec-$t.ovp.txt" | sed 's/^ //') > "$work/rec-$t.diff"; then
			bad "ovsperf-analyze script and perf script differ on rec-$t.data:"
			head -20 "$work/rec-$t.diff"
		fi
	done
else
	echo "note: ovsperf-analyze script not available, comparison skipped"
fi

### 6. record --archive writes OUTPUT.tar.zst that the analyzer reads as the recording
"$probe" record -q --archive -e sched:sched_switch -d 0.3 -o "$work/rec-arch.data" \
	> "$work/rec-arch.log" 2>&1 || bad "record --archive failed: $(tail -3 "$work/rec-arch.log")"
if [ ! -s "$work/rec-arch.data.tar.zst" ]; then
	bad "record --archive wrote no $work/rec-arch.data.tar.zst"
elif [ -n "$analyze" ] && [ -x "$analyze" ]; then
	"$analyze" script "$work/rec-arch.data" > "$work/rec-arch.a.txt" 2>/dev/null
	"$analyze" script -r "$work/rec-arch.data.tar.zst" > "$work/rec-arch.b.txt" 2>/dev/null ||
		bad "ovsperf-analyze cannot read the archive of record --archive"
	[ -s "$work/rec-arch.a.txt" ] && cmp -s "$work/rec-arch.a.txt" "$work/rec-arch.b.txt" ||
		bad "the archive of record --archive does not give the recording's samples"
fi

### 7. --duration's units, -- CMD, -q, events that cannot be opened ###########
# ms() RUN...: milliseconds RUN took.
ms() { local t0 t1; t0=$(date +%s%N); "$@"; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
# The upper bounds below leave a loaded machine 15 s to start and stop
# record, and are still far below what a misread duration or a recording
# that waits for its command would take (30 s, 2 minutes, 24 s).
# 300ms stops the recording and sends the command SIGTERM; -q prints nothing.
t=$(ms "$probe" record -q -e sched:sched_switch -d 300ms -o "$work/rec-d1.data" -- \
	sh -c "trap 'echo TERM > $work/rec-d1.term; kill \$!; exit 0' TERM; sleep 30 >/dev/null & wait" \
	2> "$work/rec-d1.err")
[ "$t" -ge 300 ] && [ "$t" -lt 15000 ] || bad "-d 300ms -- sleep 30: took $t ms"
[ "$(cat "$work/rec-d1.term" 2>/dev/null)" = TERM ] || bad "-d 300ms: the command got no SIGTERM"
grep -q "^Recording\|^\[ ovsperf-probe record" "$work/rec-d1.err" && bad "-q printed: $(cat "$work/rec-d1.err")"
# 2m is two minutes: the command's exit stops the recording first; without
# -q the summary gives the file's size and the samples.
t=$(ms "$probe" record -e sched:sched_switch -d 2m -o "$work/rec-d2.data" -- sleep 0.3 \
	2> "$work/rec-d2.err")
[ "$t" -ge 300 ] && [ "$t" -lt 15000 ] || bad "-d 2m -- sleep 0.3: took $t ms"
grep -qx '\[ ovsperf-probe record: wrote [0-9.]* MB to '"$work"'/rec-d2.data ([0-9]* samples) \]' \
	"$work/rec-d2.err" || bad "-d 2m: no summary line: $(cat "$work/rec-d2.err")"
# A plain number is seconds; the start message says what is recorded.
t=$(ms "$probe" record -e sched:sched_switch -d 0.4 -o "$work/rec-d3.data" 2> "$work/rec-d3.err")
[ "$t" -ge 400 ] && [ "$t" -lt 15000 ] || bad "-d 0.4: took $t ms"
[ "$(head -1 "$work/rec-d3.err")" = "Recording 1 event on every CPU... (Ctrl-C to stop)" ] ||
	bad "-d 0.4: start message: $(head -1 "$work/rec-d3.err")"
# An event that does not exist: one line, exit 2, no file.
"$probe" record -e sched:no_such_event -d 0.1 -o "$work/rec-none.data" 2> "$work/rec-none.err"
rc=$?
[ $rc = 2 ] && [ "$(wc -l < "$work/rec-none.err")" = 1 ] && [ ! -e "$work/rec-none.data" ] ||
	bad "missing event: exit $rc, $(cat "$work/rec-none.err"), file $(ls "$work"/rec-none.* 2>/dev/null)"

[ $fail = 0 ] && echo "PASS"
exit $fail
