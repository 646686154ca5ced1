#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# blame-set.sh - ovsperf-probe's blame set (probes/sets/blame.probes) holds
# exactly the events the blame engine asks for: on a recording of those
# events and packets (testdata/latency-blame.data) latency says nothing is
# missing; on recordings without some of them the warning names only events
# of the set and point at it; and perf-cmd spells the set as perf record's
# -e options.
# Usage: blame-set.sh OVSPERF_ANALYZE OVSPERF_PROBE SETS_DIR TESTDATA
set -u
A=$1 P=$2 SETS=$3 TD=$4 fail=0
die() { echo "FAIL: $*"; fail=1; }
set_events=$(sed -n 's/^t:\([a-z_]*:[a-z_]*\).*/\1/p' "$SETS/blame.probes" | sort)
[ "$(echo "$set_events" | wc -l)" = 6 ] || die "blame set events: $set_events"
want=$(echo "$set_events" | sed 's/^/-e /' | sort | tr '\n' ' ')
got=$("$P" perf-cmd -e blame | tr ' ' '\n' | paste -d' ' - - | sort | tr '\n' ' ')
[ "$got" = "$want" ] || die "perf-cmd -e blame: '$got', expected '$want'"
err=$("$A" latency "$TD/latency-blame.data" 2>&1 >/dev/null)
[[ $err == *"blame without"* ]] && die "latency-blame.data: $err"
for f in net sched mixed latency-rps; do
	err=$("$A" latency "$TD/$f.data" 2>&1 >/dev/null)
	missing=$(sed -n 's/.*blame without \(.*\): the CPU state.*/\1/p' <<<"$err" | tr ', ' '\n\n' | grep . | sort)
	for e in $missing; do
		grep -qx "$e" <<<"$set_events" || die "$f.data: the engine asks for $e, which the blame set lacks"
	done
	if [ -n "$missing" ] && [[ $err != *"(ovsperf-probe's blame set records them)"* ]]; then
		die "$f.data: the warning does not name the blame set: $err"
	fi
	echo "$f.data: missing $(echo $missing)"
done
[ $fail = 0 ] && echo "blame set: the 6 events the blame engine needs"
exit $fail
