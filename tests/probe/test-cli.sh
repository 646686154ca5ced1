#!/bin/bash
# test-cli.sh - ovsperf-probe's command line: every command's --help, usage
# errors (exit 1), perf-cmd output, and the dry-run text of USDT probes
# against the offsets readelf reports.  (The exact text of the kprobe sets
# is checked by test-probe, with a synthetic BTF.)
# Usage: test-cli.sh OVSPERF_PROBE EXPECTED_DIR [USDT_PROG]
set -u
P=$1
EXP=$2
PROG=${3:+$(realpath "$3")}
fail=0
t() { # t DESC CMD... : CMD must succeed
	local d=$1; shift
	if ! "$@" >/tmp/test-cli.$$ 2>&1; then
		echo "FAIL: $d: $* (exit $?)"; cat /tmp/test-cli.$$; fail=1
	fi
}
usage() { # usage DESC CMD... : CMD must exit 1 with a message
	local d=$1; shift
	"$@" >/tmp/test-cli.$$ 2>&1
	local rc=$?
	if [ $rc -ne 1 ] || [ ! -s /tmp/test-cli.$$ ]; then
		echo "FAIL: $d: $* exited $rc (want 1 and a message)"; fail=1
	fi
}
same() { # same DESC GOT WANT
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1"; echo "  got:  $2"; echo "  want: $3"; fail=1
	fi
}

for c in "" install list remove perf-cmd; do
	out=$($P $c --help 2>&1); rc=$?
	[ $rc -eq 0 ] && [[ $out == Usage:* ]] || { echo "FAIL: '$c --help' rc=$rc"; fail=1; }
done
# Every long option in the install help is accepted by install.
for o in binary pid dry-run no-flow btf tracefs quiet help; do
	$P install --help | grep -q -- "--$o" || { echo "FAIL: install --help lacks --$o"; fail=1; }
done
usage "no command" $P
usage "unknown command" $P frobnicate
usage "install without sets" $P install
usage "install bad option" $P install --frob ovs-dp
usage "remove without sets or --all" $P remove
usage "remove with both" $P remove --all ovs-dp
usage "bad pid" $P install --pid abc bridge-loop
usage "binary and pid" $P install --pid 1 --binary /bin/true bridge-loop
# Number options (ovp_parse_uint_opt): exit 1 and one line naming the option,
# its range and the value given.
msg() { # msg DESC WANT CMD... : CMD must exit 1 and print exactly WANT
	local d=$1 want=$2; shift 2
	local got rc
	got=$("$@" 2>&1); rc=$?
	same "$d: exit" "$rc" 1
	same "$d: message" "$got" "$want"
}
msg "install --pid" "ovsperf-probe: --pid: expected a whole number from 1 to 2147483647, not 'abc'" \
	$P install --pid abc bridge-loop
msg "record --pid" "ovsperf-probe: --pid: expected a whole number from 1 to 2147483647, not '0'" \
	$P record -p 0 -e sched:sched_switch
msg "record --mmap-pages" \
	"ovsperf-probe: --mmap-pages: expected a whole number from 1 to 1073741824, not '8k'" \
	$P record -m 8k -e sched:sched_switch
msg "record --mmap-pages power of 2" "ovsperf-probe: --mmap-pages: expected a power of 2, not '3'" \
	$P record --mmap-pages 3 -e sched:sched_switch
out=$($P install -n no-such-set 2>&1); rc=$?
same "unknown set exit" "$rc" 2
[[ $out == *"no probe set 'no-such-set'"* ]] || { echo "FAIL: unknown set message: $out"; fail=1; }

same "perf-cmd" "$($P perf-cmd ovs-dp bridge-loop -o x.data)" \
	"perf record -a -o x.data -e ovsperf:ovs_vport_receive -e ovsperf:do_output -e ovsperf:ovs_dp_upcall -e skb:kfree_skb -e skb:consume_skb -e ovsperf:run_start -e ovsperf:poll_block"
same "perf-cmd --events, shared events once" "$($P perf-cmd -e backlog backlog k:ip_rcv t:sched:sched_switch)" \
	"-e ovsperf:enqueue_to_backlog -e ovsperf:__netif_receive_skb -e ovsperf:ip_rcv -e skb:kfree_skb -e skb:consume_skb -e sched:sched_switch"
same "perf-cmd syscalls exclude perf" "$($P perf-cmd -e t:raw_syscalls:sys_enter)" \
	"-e raw_syscalls:sys_enter --exclude-perf"

# An optional probe is left out unless it is installed.
FT=$(mktemp -d /tmp/test-cli-tracefs.XXXXXX)
KD="-e raw_syscalls:sys_enter --exclude-perf -e raw_syscalls:sys_exit --exclude-perf -e sched:sched_switch -e sched:sched_wakeup -e sched:sched_wakeup_new -e irq:irq_handler_entry -e irq:irq_handler_exit -e irq:softirq_entry -e irq:softirq_exit"
same "perf-cmd without the optional kretprobe" "$(OVSPERF_TRACEFS=$FT $P perf-cmd -e kernel-delay)" "$KD"
mkdir -p "$FT/events/ovsperf/ovs_dp_upcall__return"
same "perf-cmd with the optional kretprobe" "$(OVSPERF_TRACEFS=$FT $P perf-cmd -e kernel-delay)" \
	"$KD -e ovsperf:ovs_dp_upcall__return"
# Further sites of a USDT probe, when installed.
mkdir -p "$FT/events/ovsperf/run_start_1" "$FT/events/ovsperf/run_start_2"
same "perf-cmd with more USDT sites" "$(OVSPERF_TRACEFS=$FT $P perf-cmd -e bridge-loop)" \
	"-e ovsperf:run_start -e ovsperf:run_start_1 -e ovsperf:run_start_2 -e ovsperf:poll_block"
rm -rf "$FT"

# The man pages render without warnings.
MAN=$(dirname "$0")/../../man
for m in "$MAN/ovsperf-probe.1" "$MAN/ovsperf-probes.5"; do
	w=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	[ -z "$w" ] || { echo "FAIL: $m: $w"; fail=1; }
done

if [ -n "$PROG" ]; then
	# USDT: the offsets readelf prints (PIE text: vaddr == file offset).
	loc() { readelf -n "$PROG" | grep -A2 "Name: $1\$" | sed -n 's/.*Location: \(0x[0-9a-f]*\).*/\1/p'; }
	sema=$(readelf -n "$PROG" | grep -A2 'Name: sema$' | sed -n 's/.*Semaphore: \(0x[0-9a-f]*\).*/\1/p')
	got=$($P install -n bridge-loop --binary "$PROG")
	want=$(printf 'p:ovsperf/run_start %s:%s\np:ovsperf/poll_block %s:%s' "$PROG" "$(loc run_start)" "$PROG" "$(loc poll_block)")
	same "bridge-loop dry run" "$got" "$want"
	got=$($P install -n u:test:sema --binary "$PROG" 2>&1)
	[[ $got == "p:ovsperf/sema $PROG:$(loc sema)(0x"*") arg1=%di:s32" ]] ||
		{ echo "FAIL: sema dry run: $got (semaphore vaddr $sema)"; fail=1; }
fi
rm -f /tmp/test-cli.$$
[ $fail -eq 0 ] && echo "cli: all passed"
exit $fail
