#!/bin/bash
# reuse_warning.sh - the warning about reused skb addresses: two recordings
# of the same loopback pings made here (net:netif_rx -> net:netif_receive_skb,
# the backlog span, keyed by skb address), one without and one with the free
# events (skb:kfree_skb, skb:consume_skb).  Without them, latency, journey and
# export each warn once, the default run (several reports) exactly once, and
# the warning names the events to record; with them, nobody warns.
# Usage: reuse_warning.sh ANALYZER          (exit 77: skipped)
set -u
A=$1
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (perf record -a)"; exit 77; }
command -v perf >/dev/null || { echo "SKIP: no perf"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
die() { echo "FAIL: $*"; fail=$((fail + 1)); }
rec() {
	perf record -q -a "$@" -- ping -q -c 3 -i 0.2 127.0.0.1 >/dev/null 2>"$T/perf.err" ||
		{ echo "SKIP: perf record failed: $(head -2 "$T/perf.err")"; exit 77; }
}
rec -e net:netif_rx -e net:netif_receive_skb -o "$T/nofree.data"
rec -e net:netif_rx -e net:netif_receive_skb -e skb:kfree_skb -e skb:consume_skb \
	-o "$T/free.data"
W='no event that frees an skb'
for cmd in latency journey "export --perfetto $T/out.json"; do
	$A $cmd "$T/nofree.data" >/dev/null 2>"$T/err"
	n=$(grep -c "$W" "$T/err")
	[ "$n" = 1 ] || die "$cmd without free events: $n warnings: $(cat "$T/err")"
	grep -q "record skb:kfree_skb and skb:consume_skb" "$T/err" ||
		die "$cmd: the warning names no event to add: $(cat "$T/err")"
	$A $cmd "$T/free.data" >/dev/null 2>"$T/err"
	grep -q "$W" "$T/err" && die "$cmd with free events warns: $(cat "$T/err")"
done
$A "$T/nofree.data" >"$T/out" 2>"$T/err"
n=$(grep -c "$W" "$T/err")
[ "$n" = 1 ] || die "default run: $n warnings, expected one: $(cat "$T/err")"
grep -q "Latency span backlog" "$T/out" || die "default run made no latency report"
[ $fail = 0 ] && echo "OK: warned once without free events, never with them"
exit $((fail > 0))
