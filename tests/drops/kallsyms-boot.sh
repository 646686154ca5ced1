#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# kallsyms-boot.sh - kernel symbols only from the recorded boot.
#
#   kallsyms-boot.sh wrong OVSPERF_ANALYZE TESTDATA WORKDIR OVSPERF_PROBE (golden)
#     --kallsyms of another boot is refused: testdata/ovs-lab.kallsyms.zst
#     with upcall.data (another KASLR base), and the right kallsyms of
#     ovs-lab.data edited so its _text moved.  One warning line naming the
#     file and both addresses, exit status as with no kallsyms, drop
#     locations (drops) and %pS fields (script) printed raw; the right file
#     still symbolizes (icmp_rcv).  A kallsyms without its _text line is
#     refused the same way (analyze and archive).
#
#   kallsyms-boot.sh local OVSPERF_ANALYZE WORKDIR             (root)
#     perf record -g -e skb:kfree_skb here while UDP datagrams go to a closed
#     port on loopback (__udp4_lib_rcv drops them, NO_SOCKET): with no
#     --kallsyms, drops and script use this boot's /proc/kallsyms and print
#     the locations perf script prints; its archive stores /proc/kallsyms.
set -u

fail=0
bad() { echo "FAIL: $*"; fail=1; }
skip() { echo "SKIP: $*"; exit 77; }

# Lines of $1 matching $2.
count() { grep -c -- "$2" "$1"; }

mode=$1
analyze=$2
if [ "$mode" = wrong ]; then
	td=$3
	work=$4
	mkdir -p "$work"
	lab=$td/ovs-lab.kallsyms.zst

	"$analyze" info --kallsyms "$lab" "$td/upcall.data" >"$work/info.out" 2>"$work/info.err"
	rc=$?
	[ $rc = 0 ] || bad "info --kallsyms of another boot: exit $rc"
	[ "$(wc -l <"$work/info.err")" = 1 ] || bad "not one warning line: $(cat "$work/info.err")"
	grep -q "ovs-lab.kallsyms.zst is not the recorded boot's kallsyms (its _text is at 0xffffffff93400000 but the recorded kernel's is at 0xffffffff98600000): kernel addresses are shown raw" \
		"$work/info.err" || bad "warning: $(cat "$work/info.err")"
	grep -q "^kallsyms: *refused" "$work/info.out" || bad "info does not say refused"

	zstdcat "$lab" | sed 's/^ffffffff93400000 T _text$/ffffffff93600000 T _text/' \
		>"$work/edited.kallsyms"
	grep -q "^ffffffff93600000 T _text$" "$work/edited.kallsyms" || bad "edit failed"
	for cmd in drops script; do
		"$analyze" $cmd --kallsyms "$work/edited.kallsyms" "$td/ovs-lab.data" \
			>"$work/$cmd.edited" 2>"$work/$cmd.err"
		rc=$?
		"$analyze" $cmd -q --kallsyms "$lab" "$td/ovs-lab.data" >"$work/$cmd.right" 2>/dev/null
		rc2=$?
		[ $rc = $rc2 ] || bad "$cmd: exit $rc with the edited kallsyms, $rc2 with the right one"
		[ "$(wc -l <"$work/$cmd.err")" = 1 ] || bad "$cmd: not one warning: $(cat "$work/$cmd.err")"
		grep -q "edited.kallsyms is not the recorded boot's kallsyms (its _text is at 0xffffffff93600000 but the recorded kernel's is at 0xffffffff93400000)" \
			"$work/$cmd.err" || bad "$cmd: warning: $(cat "$work/$cmd.err")"
		[ "$(count "$work/$cmd.edited" icmp_rcv)" = 0 ] || bad "$cmd: symbols from the edited file"
	done
	# A kallsyms without its _text line cannot show its boot: refused too.
	zstdcat "$lab" | grep -v " _text$" >"$work/notext.kallsyms"
	"$analyze" drops --kallsyms "$work/notext.kallsyms" "$td/ovs-lab.data" \
		>"$work/drops.notext" 2>"$work/notext.err"
	rc=$?
	[ $rc = 0 ] || bad "drops --kallsyms without _text: exit $rc"
	[ "$(wc -l <"$work/notext.err")" = 1 ] || bad "no _text: not one warning: $(cat "$work/notext.err")"
	grep -q "notext.kallsyms is not the recorded boot's kallsyms (it has no _text line to compare with the recorded kernel's 0xffffffff93400000): kernel addresses are shown raw" \
		"$work/notext.err" || bad "no _text: warning: $(cat "$work/notext.err")"
	[ "$(count "$work/drops.notext" icmp_rcv)" = 0 ] || bad "drops: symbols from a file without _text"
	# (kfree_skb's location is %p, not %pS, in this 6.1 recording: script
	# prints it raw with either file, as perf script does.)
	[ "$(count "$work/drops.right" icmp_rcv)" -gt 0 ] || bad "drops: right file, no icmp_rcv"
	grep -q "^    0xffffffff93cc3c91  *28 " "$work/drops.edited" || bad "drops: raw address missing"
	grep -q "location=0xffffffff93cc3c91 reason: NO_SOCKET" "$work/script.edited" ||
		bad "script: raw %pS missing"

	probe=$5
	members() { tar --zstd -tf "$1" | tr '\n' ' '; }
	cp "$td/upcall.data" "$work/upcall.data"
	rm -f "$work"/*.tar.zst
	"$probe" archive "$work/upcall.data" -o "$work/up.tar.zst" 2>"$work/arc.err" ||
		bad "archive of another boot's recording failed"
	grep -q "archive: .*upcall.data was not recorded on this machine's running boot (.*): /proc/kallsyms and /proc/modules not stored; give --kallsyms FILE" \
		"$work/arc.err" || bad "archive warning: $(cat "$work/arc.err")"
	case " $(members "$work/up.tar.zst")" in
	*" kallsyms "* | *" modules "*) bad "archive stored this machine's kallsyms" ;;
	esac
	"$probe" archive "$work/upcall.data" --kallsyms "$lab" -o "$work/up2.tar.zst" \
		2>"$work/arc2.err" && bad "archive --kallsyms of another boot succeeded"
	grep -q "is not the kallsyms of the boot that made .*upcall.data (its _text is at 0xffffffff93400000 but the recorded kernel's is at 0xffffffff98600000)" \
		"$work/arc2.err" || bad "archive --kallsyms error: $(cat "$work/arc2.err")"
	[ -e "$work/up2.tar.zst" ] && bad "archive --kallsyms of another boot wrote a file"
	cp "$td/ovs-lab.data" "$work/lab.data"
	"$probe" archive "$work/lab.data" --kallsyms "$work/notext.kallsyms" -o "$work/up3.tar.zst" \
		2>"$work/arc3.err" && bad "archive --kallsyms without _text succeeded"
	grep -q "is not the kallsyms of the boot that made .*lab.data (it has no _text line to compare with the recorded kernel's 0xffffffff93400000)" \
		"$work/arc3.err" || bad "archive --kallsyms without _text: $(cat "$work/arc3.err")"
	[ -e "$work/up3.tar.zst" ] && bad "archive --kallsyms without _text wrote a file"
	cp "$td/ovs-lab.data" "$work/lab.data"
	"$probe" archive "$work/lab.data" --kallsyms "$lab" -o "$work/lab.tar.zst" 2>/dev/null ||
		bad "archive --kallsyms of the right boot failed"
	case " $(members "$work/lab.tar.zst")" in
	*" kallsyms "*) ;;
	*) bad "archive did not store --kallsyms" ;;
	esac
	"$analyze" drops -q "$work/lab.tar.zst" >"$work/drops.archive" 2>/dev/null
	cmp -s "$work/drops.archive" "$work/drops.right" ||
		bad "drops of the archive differ from drops --kallsyms"
	[ $fail = 0 ] && echo "PASS: kallsyms of another boot refused"
	exit $fail
fi

work=$3
[ "$(id -u)" = 0 ] || skip "needs root"
command -v perf >/dev/null || skip "perf is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v ip >/dev/null || skip "ip is not installed"
[ -f /sys/kernel/tracing/events/skb/kfree_skb/format ] ||
	[ -f /sys/kernel/debug/tracing/events/skb/kfree_skb/format ] || skip "no skb:kfree_skb"
grep -q " T _text$" /proc/kallsyms && ! grep -q "^0000000000000000 T _text$" /proc/kallsyms ||
	skip "/proc/kallsyms shows no addresses"
mkdir -p "$work"
f=$work/udp.data
# Port 9 on the loopback of a network namespace of our own: nothing listens.
ns=ovsperf-kb$$
ip netns add $ns || skip "cannot create a network namespace"
trap 'ip netns del $ns 2>/dev/null' EXIT
ip -n $ns link set lo up
perf record -q -g -e skb:kfree_skb -o "$f" -- ip netns exec $ns python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"ovsperf", ("127.0.0.1", 9))
' || bad "perf record failed"
perf script -i "$f" -F trace 2>/dev/null | sed -n 's/.*location=\([^ ]*\) .*/\1/p' | sort -u \
	>"$work/perf.locs"
grep -q "^__udp4_lib_rcv+0x" "$work/perf.locs" || skip "perf script shows no __udp4_lib_rcv drop"
"$analyze" info "$f" >"$work/info.out" 2>&1 || bad "info failed"
grep -q "^kallsyms: *this machine's /proc/kallsyms" "$work/info.out" ||
	bad "info: $(grep kallsyms "$work/info.out")"
"$analyze" drops --json "$f" >"$work/drops.json" 2>"$work/drops.err" || bad "drops failed"
[ -s "$work/drops.err" ] && bad "drops warned: $(cat "$work/drops.err")"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["reports"]["drops"]
for l in sorted({l["location"].split("/")[0] for l in d["locations"]}):
    print(l)' "$work/drops.json" >"$work/ovsperf.locs"
diff "$work/perf.locs" "$work/ovsperf.locs" || bad "drops locations differ from perf script's"
"$analyze" script "$f" 2>/dev/null | sed -n 's/.*location=\([^ ]*\) .*/\1/p' | sort -u \
	>"$work/script.locs"
diff "$work/perf.locs" "$work/script.locs" || bad "script %pS differs from perf script's"
if [ -n "${4:-}" ]; then
	rm -f "$work/udp.tar.zst"
	"$4" archive "$f" -o "$work/udp.tar.zst" 2>/dev/null || bad "archive failed"
	tar --zstd -xOf "$work/udp.tar.zst" kallsyms 2>/dev/null | grep -q " T _text$" ||
		bad "archive of this boot's recording has no kallsyms"
fi
[ $fail = 0 ] && echo "PASS: this boot's /proc/kallsyms used: $(tr '\n' ' ' <"$work/perf.locs")"
exit $fail
