#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# compare-outputs.sh - byte-compare two ovsperf-analyze binaries on every
# testdata recording: the default run and every report, text and --json
# (stdout, stderr and exit status), and export --perfetto (its JSON form, one
# trace event a line).  For a change that must not move any figure
# (bench/RESULTS.md quotes its summary).
#
#   bench/compare-outputs.sh BEFORE AFTER [TESTDATA_DIR]
#
# An export that differs only in the order of its lines (one trace event a
# line) is listed as "same events, other order"; anything else as DIFF.
# Exit status: 0 when nothing but such reorderings differ, 1 otherwise.
set -u
before=$(realpath "$1")
after=$(realpath "$2")
data=$(realpath "${3:-$(dirname "$0")/../testdata}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 same=0 fail=0

run() {	# BIN NAME ARGS...: stdout to NAME.out, stderr and status to NAME.err
	bin=$1 name=$2
	shift 2
	(cd "$tmp" && timeout 300 "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	 echo "exit $?" >>"$tmp/$name.err")
}

for f in "$data"/*.data; do
	for cmd in "" latency kernel-delay bridge-loop upcall-cost journey drops info; do
		for json in "" --json; do
			run "$before" B $cmd $json -q "$f"
			run "$after" A $cmd $json -q "$f"
			n=$((n + 1))
			if cmp -s "$tmp/B.out" "$tmp/A.out" && cmp -s "$tmp/B.err" "$tmp/A.err"; then
				same=$((same + 1))
			else
				echo "DIFF: ${cmd:-default} ${json:-text} $(basename "$f")"
				diff "$tmp/B.out" "$tmp/A.out" | head -4
				diff "$tmp/B.err" "$tmp/A.err" | head -4
				fail=1
			fi
		done
	done
	run "$before" B export -q --perfetto "$tmp/B.json" "$f"
	run "$after" A export -q --perfetto "$tmp/A.json" "$f"
	n=$((n + 1))
	if cmp -s "$tmp/B.json" "$tmp/A.json" && cmp -s "$tmp/B.err" "$tmp/A.err"; then
		same=$((same + 1))
	elif cmp -s "$tmp/B.err" "$tmp/A.err" &&
	     [ "$(sed "s/,$//" "$tmp/B.json" | sort | md5sum)" = "$(sed "s/,$//" "$tmp/A.json" | sort | md5sum)" ]; then
		echo "same events, other order: export $(basename "$f")"
	else
		echo "DIFF: export $(basename "$f")"
		fail=1
	fi
	rm -f "$tmp/B.json" "$tmp/A.json"
done
echo "$n comparisons: $same byte-identical"
exit $fail
