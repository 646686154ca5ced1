#!/bin/sh
# option-numbers.sh - the number options of drops, journey and upcalls go
# through one parser (ovp_parse_uint_opt): a bad value is refused with exit
# status 1 and one line naming the option and its range; a good one is taken.
#
# Usage: option-numbers.sh OVSPERF_ANALYZE RECORDING
set -u
analyze=$1 data=$2
fail=0

# expect_error "ARGS" "MESSAGE": exit 1, MESSAGE as the only line on stderr.
expect_error() {
	err=$("$analyze" $1 "$data" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 1 ] || [ "$err" != "ovsperf-analyze: $2" ]; then
		echo "FAIL: $1: exit $rc, stderr '$err' (expected 1, 'ovsperf-analyze: $2')"
		fail=1
	fi
}

# expect_ok "ARGS" [STATUS]: exit STATUS (default 0).
expect_ok() {
	"$analyze" $1 -q "$data" >/dev/null 2>&1
	rc=$?
	if [ $rc -ne "${2:-0}" ]; then
		echo "FAIL: $1: exit $rc (expected ${2:-0})"
		fail=1
	fi
}

big=9223372036854775807
expect_error "drops --top x" "--top: expected a whole number from 0 to $big, not 'x'"
expect_error "drops --top -1" "--top: expected a whole number from 0 to $big, not '-1'"
expect_error "journey --min-events 1x" "--min-events: expected a whole number from 0 to $big, not '1x'"
expect_error "journey --limit 9223372036854775808" "--limit: expected a whole number from 0 to $big, not '9223372036854775808'"
expect_error "journey --max-inflight 0" "--max-inflight: expected a whole number from 1 to $big, not '0'"
expect_error "journey --max-events 0" "--max-events: expected a whole number from 1 to $big, not '0'"
expect_error "upcalls -p 4294967296" "-p: expected a whole number from 0 to 4294967295, not '4294967296'"
expect_error "upcalls --pid x" "--pid: expected a whole number from 0 to 4294967295, not 'x'"
expect_error "upcalls -f 0" "-f: expected a whole number from 1 to 2048, not '0'"
expect_error "upcalls --packet-size 2049" "--packet-size: expected a whole number from 1 to 2048, not '2049'"
expect_ok "drops --top 0"
# One packet in flight at most: the cap evicts, partial results (exit 2).
expect_ok "journey --max-inflight 1 --max-events 1 --min-events 0 --limit $big" 2
[ $fail -eq 0 ] && echo "PASS: number options"
exit $fail
