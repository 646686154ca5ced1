#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# header_line.sh - a file whose header cannot be read gets one line
# "ovsperf-analyze: FILE: what is wrong", with the offset of the field at
# fault, and exit status 2, from every command (ovsperf-analyze(1), LOST
# EVENTS AND DAMAGED FILES): a file that is not a perf.data (bad magic) and
# a header whose size field is impossible.
# Usage: header_line.sh ANALYZER TESTDATA WORKDIR
set -u
A=$1 td=$2 w=$3
mkdir -p "$w"
fail=0
printf 'hello, not a recording at all, but long enough' >"$w/notperf.data"
# net.data's header with its size field (offset 8) set to 17
{ head -c 8 "$td/net.data"; printf '\021\0\0\0\0\0\0\0'; tail -c +17 "$td/net.data"; } \
	>"$w/hdrsize.data"
check() {	# FILE 'EXPECTED LINE'
	for cmd in "" latency journey drops info script "export --perfetto $w/x.json"; do
		$A $cmd "$1" >"$w/out" 2>"$w/err"
		rc=$?
		if [ $rc != 2 ] || [ -s "$w/out" ] || [ "$(cat "$w/err")" != "ovsperf-analyze: $1: $2" ]; then
			echo "FAIL: ${cmd:-default run} $1: exit $rc, stderr: $(cat "$w/err")"
			fail=1
		fi
	done
}
check "$w/notperf.data" "not a perf.data file (bad magic at offset 0)"
check "$w/hdrsize.data" "bad header size 17 (at offset 8)"
[ -e "$w/x.json" ] && { echo "FAIL: export wrote a trace"; fail=1; }
[ $fail = 0 ] && echo "OK: one line with the offset, exit 2, from every command"
exit $fail
