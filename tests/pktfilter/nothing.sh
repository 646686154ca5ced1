#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# nothing.sh - a filter that matches nothing in the recording (--dev, --cpu,
# --time, --pid) gives one line saying so and what the recording has, no
# report, exit status 1; the same filter with a value the recording has
# still gives the report (exit 0).  Every report command that has the option.
#
# Usage: nothing.sh OVSPERF_ANALYZE TESTDATA WORKDIR
set -u
analyze=$1
td=$2
work=$3
fail=0
mkdir -p "$work"
bad() { echo "FAIL: $*"; fail=1; }

# nothing CMD FILE 'OPTIONS' 'EXPECTED MESSAGE (grep -E)'
nothing() {
	local cmd=$1 f=$td/$2 opts=$3 want=$4 rc
	"$analyze" $cmd $opts -q "$f" >"$work/out" 2>"$work/err"
	rc=$?
	[ $rc = 1 ] || bad "$cmd $opts $2: exit $rc, want 1"
	[ -s "$work/out" ] && bad "$cmd $opts $2: printed a report"
	[ "$(wc -l <"$work/err")" = 1 ] || bad "$cmd $opts $2: not one line: $(cat "$work/err")"
	grep -Eq "^ovsperf-analyze: $f: $want" "$work/err" ||
		bad "$cmd $opts $2: message: $(cat "$work/err")"
}
# some CMD FILE 'OPTIONS': matches, the report is printed.
some() {
	local cmd=$1 f=$td/$2 opts=$3 rc
	"$analyze" $cmd $opts -q "$f" >"$work/out" 2>"$work/err"
	rc=$?
	[ $rc = 0 ] || bad "$cmd $opts $2: exit $rc, want 0: $(cat "$work/err")"
	[ -s "$work/out" ] || bad "$cmd $opts $2: no report"
}

for cmd in latency journey; do
	nothing $cmd net.data "--dev nosuchdev" \
		"--dev nosuchdev matches nothing in the recording: its devices are (ovsp-veth1, ovsp-veth2|ovsp-veth2, ovsp-veth1)$"
	some $cmd net.data "--dev ovsp-veth2"
	nothing $cmd net.data "--cpu 7" "--cpu 7 matches nothing in the recording: its CPUs are 0-1$"
	some $cmd net.data "--cpu 1"
	nothing $cmd net.pipe.data "--cpu 7" "--cpu 7 matches nothing in the recording: its CPUs are 0-1$"
done
for cmd in latency journey drops; do
	nothing $cmd net.data "--time 1,2" \
		"--time 1,2 matches nothing in the recording: it spans 1532\.534428431 to 1532\.686954487$"
	some $cmd net.data "--time 1532.5,1532.6"
done
nothing kernel-delay kdelay.data "--pid 99999" \
	"--pid 99999 matches nothing in the recording: its processes \(PIDs\) are kdelay-load 15344 \([0-9]+ samples\), .* and [0-9]+ more$"
nothing kernel-delay kdelay.data "-p 99999" "--pid 99999 matches nothing"
some kernel-delay kdelay.data "--pid 15344"
nothing bridge-loop usdt.data "--pid 4242" \
	"--pid 4242 matches nothing in the recording: its processes \(PIDs\) are ovs-vswitchd 17755 \([0-9]+ samples\)$"
some bridge-loop usdt.data "--pid 17755"
# export: the same one line and exit status 1, and no output written (a file
# already at the target stays as it was); a matching filter writes the trace.
export_nothing() {
	local f=$td/$1 opts=$2 want=$3 rc
	echo keep >"$work/trace.json"
	"$analyze" export $opts -q --perfetto "$work/trace.json" "$f" >"$work/out" 2>"$work/err"
	rc=$?
	[ $rc = 1 ] || bad "export $opts $1: exit $rc, want 1"
	[ "$(cat "$work/trace.json")" = keep ] || bad "export $opts $1: the target was replaced"
	[ "$(wc -l <"$work/err")" = 1 ] || bad "export $opts $1: not one line: $(cat "$work/err")"
	grep -Eq "^ovsperf-analyze: $f: $want" "$work/err" ||
		bad "export $opts $1: message: $(cat "$work/err")"
}
export_nothing net.data "--dev nosuchdev" "--dev nosuchdev matches nothing in the recording: its devices are"
export_nothing net.data "--cpu 7" "--cpu 7 matches nothing in the recording: its CPUs are 0-1$"
export_nothing net.data "--time 1,2" "--time 1,2 matches nothing in the recording: it spans"
export_nothing kdelay.data "--pid 99999" "--pid 99999 matches nothing in the recording: its processes"
rm -f "$work/trace.json"
"$analyze" export --cpu 1 -q --perfetto "$work/trace.json" "$td/net.data" 2>"$work/err" ||
	bad "export --cpu 1 net.data: $(cat "$work/err")"
[ -s "$work/trace.json" ] || bad "export --cpu 1 net.data: no trace"
[ $fail = 0 ] && echo "PASS: filters that match nothing"
exit $fail
