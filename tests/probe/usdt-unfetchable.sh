#!/bin/bash
# usdt-unfetchable.sh - what ovsperf-probes(5), USDT ARGUMENTS, says of the
# argument forms uprobes cannot fetch (indexed operands, high-byte registers,
# numeric RIP-relative operands, segment-prefixed operands, RIP-relative
# operands naming a symbol the binary does not list), on usdt-unfetchable
# (each form once in probe test:odd, between fetchable ones):
# - each such argument is left out with one warning naming it and its form,
#   the other arguments and the other probe are installed (dry run, exit 0);
# - -q silences the warnings, nothing else changes;
# - a field that uses such an argument is an error: exit 2, its message last.
# The probe addresses are the ones readelf -n reports.
# Usage: usdt-unfetchable.sh OVSPERF_PROBE USDT_UNFETCHABLE
set -u
P=$1
BIN=$(realpath "$2")
fail=0
same() { # same DESC GOT WANT
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1"; echo "  got:  $2"; echo "  want: $3"; fail=1
	fi
}
command -v readelf >/dev/null || { echo "SKIP: no readelf"; exit 77; }
loc() { # loc NAME: the probe's address as readelf -n prints it
	readelf -n "$BIN" | awk -v n="$1" '$1 == "Name:" { p = $2 == n }
		p && $1 == "Location:" { sub(",", "", $2); print $2; exit }'
}
odd=$(loc odd) plain=$(loc plain)
[ -n "$odd" ] && [ -n "$plain" ] || { echo "FAIL: readelf shows no test:odd / test:plain"; exit 1; }
err=$(mktemp /tmp/usdt-unfetchable.XXXXXX)
trap 'rm -f "$err"' EXIT

want="p:ovsperf/odd $BIN:$odd arg1=%di:u64 arg3=\\5:s32
p:ovsperf/plain $BIN:$plain arg1=%si:u64 arg2=\\7:s32"
W="ovsperf-probe: warning: test:odd"
warnings="$W: arg2 not fetched: indexed operand '-8(%rbp,%rax,8)' cannot be fetched
$W: arg4 not fetched: register '%ah' cannot be fetched
$W: arg5 not fetched: segment-prefixed operand '%fs:0x28'
$W: arg6 not fetched: numeric RIP-relative operand '0x10(%rip)' cannot be fetched (instruction length unknown)
$W: arg7 not fetched: RIP-relative operand 'no_such_symbol(%rip)' cannot be fetched: no symbol 'no_such_symbol'"

out=$(OVSPERF_TRACEFS= "$P" install -n -b "$BIN" u:test:odd u:test:plain 2>"$err"); rc=$?
same "unfetchable arguments: exit" "$rc" 0
same "unfetchable arguments: the rest installed" "$out" "$want"
same "unfetchable arguments: one warning each" "$(cat "$err")" "$warnings"

out=$(OVSPERF_TRACEFS= "$P" install -q -n -b "$BIN" u:test:odd u:test:plain 2>"$err"); rc=$?
same "-q: exit" "$rc" 0
same "-q: the same definitions" "$out" "$want"
same "-q: no warnings" "$(cat "$err")" ""

out=$(OVSPERF_TRACEFS= "$P" install -n -b "$BIN" 'u:test:odd y=arg4' 2>"$err"); rc=$?
same "a field of an unfetchable argument: exit" "$rc" 2
same "a field of an unfetchable argument: nothing installed" "$out" ""
same "a field of an unfetchable argument: the error" "$(tail -n 1 "$err")" \
	"ovsperf-probe: command line: field y: test:odd arg4: register '%ah' cannot be fetched"
[ "$fail" = 0 ] && echo PASS
exit $fail
