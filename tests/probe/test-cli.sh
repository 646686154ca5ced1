#!/bin/bash
# test-cli.sh - ovsperf-probe's command line: every command's --help, usage
# errors (exit 1), perf-cmd output, and the dry-run text of USDT probes
# against the offsets readelf reports.  (The exact text of the kprobe sets
# is checked by test-probe, with a synthetic BTF.)  Also what ovsperf-probe(1)
# and ovsperf-probes(5) say of list --sets, the set search path, event names,
# default types, --btf, --no-flow, -q, and, on a fake tracefs, list, remove
# -n, optional probes and the kprobe error line.
# Usage: test-cli.sh OVSPERF_PROBE EXPECTED_DIR [USDT_PROG]
set -u
P=$(realpath "$1")
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
msg "record --duration" "ovsperf-probe: bad duration '5x'" $P record -d 5x -e sched:sched_switch
# record -o must be seekable: a FIFO is refused at once (not opened, which
# would wait for a reader), one line, exit 1.
FIFO=$(mktemp -u /tmp/test-cli-fifo.XXXXXX)
mkfifo "$FIFO"
msg "record -o FIFO" "ovsperf-probe: cannot write $FIFO: not seekable (a FIFO): give -o - for a pipe" \
	timeout 5 $P record -e sched:sched_switch -d 0.1 -o "$FIFO"
rm -f "$FIFO"
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

# list --sets: name, description, file of every set; a set of
# $OVSPERF_PROBESETS is listed and found before the shipped one of its name.
SETDIR=$(realpath "$(dirname "$0")/../../probes/sets")
U=$(mktemp -d /tmp/test-cli-sets.XXXXXX)
out=$(OVSPERF_PROBESETS=/nonexistent:$U $P list --sets 2>&1); rc=$?
same "list --sets exit" "$rc" 0
for s in ovs-dp backlog upcall-cost upcall-monitor bridge-loop kernel-delay blame; do
	d=$(sed -n 's/^description  *//p' "$SETDIR/$s.probes")
	grep -qxF "$(printf '%-14s %s\t%s' "$s" "$d" "$SETDIR/$s.probes")" <<< "$out" ||
		{ echo "FAIL: list --sets has no line for $s ($d)"; echo "$out"; fail=1; }
done
printf '# mine\ndescription  My own ip_rcv  \n\nk:ip_rcv skb=arg1:x64\n' > "$U/ovs-dp.probes"
printf 'description A probe set\nk:tcp_v4_rcv\n' > "$U/tcp"
same "list -s, a set of OVSPERF_PROBESETS" "$(OVSPERF_PROBESETS=/nonexistent:$U $P list -s | grep -F "$U")" \
	"$(printf '%-14s %s\t%s' ovs-dp "My own ip_rcv" "$U/ovs-dp.probes")"
same "OVSPERF_PROBESETS is searched first" "$(OVSPERF_PROBESETS=/nonexistent:$U $P install -n ovs-dp)" \
	"p:ovsperf/ip_rcv ip_rcv skb=%di:x64"
same "a set named by its path" "$(cd "$U" && $P install -n ./tcp && $P install -n ovs-dp.probes)" \
	"$(printf 'p:ovsperf/tcp_v4_rcv tcp_v4_rcv\np:ovsperf/ip_rcv ip_rcv skb=%%di:x64')"
rm -rf "$U"

# Dry runs make no kernel checks; a field's type defaults to x64; an offset
# fetch may be negative; the event name is the function's with every other
# character than [A-Za-z0-9_] turned into '_'; retval only in return probes.
same "dry run, no kernel check, default type" \
	"$(OVSPERF_TRACEFS= $P install -n 'k:no_such_function_xyz+16 x=arg1 y=-8(arg2):u32')" \
	"p:ovsperf/no_such_function_xyz_16 no_such_function_xyz+16 x=%di:x64 y=-8(%si):u32"
out=$($P install -n 'k:ip_rcv r=retval' 2>&1); rc=$?
same "retval in a kprobe: exit" "$rc" 2
same "retval in a kprobe" "$out" "ovsperf-probe: command line: field r: retval is only available in kr:/upr: probes"

# --btf: a file that is not regular is not read (no hang on /dev/zero): the
# BTF fields are left out with a warning each, which -q silences; a missing
# file is an error.
want="p:ovsperf/ip_rcv ip_rcv skb=%di:x64"
got=$(timeout 5 $P install -n --btf /dev/zero 'k:ip_rcv skb=arg1:skb flow' 2>/tmp/test-cli.$$); rc=$?
same "--btf /dev/zero: exit" "$rc" 0
same "--btf /dev/zero: no BTF fields" "$got" "$want"
same "--btf /dev/zero: warnings" "$(cat /tmp/test-cli.$$)" \
	"ovsperf-probe: warning: ip_rcv: field head skipped (cannot read /dev/zero: not a regular file (a character device))
ovsperf-probe: warning: ip_rcv: flow fields skipped (cannot read /dev/zero: not a regular file (a character device))"
same "-q: no warnings" "$(timeout 5 $P install -q -n --btf /dev/zero 'k:ip_rcv skb=arg1:skb flow' 2>&1)" "$want"
out=$($P install -n --btf /nonexistent/vmlinux k:ip_rcv 2>&1); rc=$?
same "--btf missing: exit" "$rc" 2
same "--btf missing: message" "$out" "ovsperf-probe: /nonexistent/vmlinux: No such file or directory"
# --no-flow reads no BTF: head, nh and +STRUCT.MEMBER fields are left out,
# without a warning.
same "--no-flow" "$($P install -n --no-flow 'k:ip_rcv skb=arg1:skb flow' \
	'k:openvswitch:ovs_packet_cmd_execute n=arg1 pkt=+4(+8(+genl_info.attrs(arg2))):x8[64]' 2>&1)" \
	"$want
p:ovsperf/ovs_packet_cmd_execute openvswitch:ovs_packet_cmd_execute n=%di:x64"

# A fake tracefs (--tracefs, $OVSPERF_TRACEFS): list and remove -n see only
# group ovsperf; remove -n prints the removal lines and changes nothing;
# install of a set whose optional kprobe cannot be made (no kprobe_events)
# warns and installs the rest; a kprobe that is not optional is one error
# line, exit 2.
FT=$(mktemp -d /tmp/test-cli-tracefs.XXXXXX)
dyn=$(printf 'p:ovsperf/ip_rcv ip_rcv skb=%%di:x64\np:ovsperf/run_start /bin/x:0x1139\np:other/foo foo')
echo "$dyn" > "$FT/dynamic_events"
: > "$FT/uprobe_events"
lst=$(printf 'ovsperf:ip_rcv\tkprobe\tip_rcv skb=%%di:x64\novsperf:run_start\tuprobe\t/bin/x:0x1139')
same "list --tracefs" "$($P list --tracefs "$FT")" "$lst"
same "list, OVSPERF_TRACEFS" "$(OVSPERF_TRACEFS=$FT $P list)" "$lst"
same "remove -n --all" "$($P remove -n --all --tracefs "$FT")" \
	"$(printf -- '-:ovsperf/ip_rcv\n-:ovsperf/run_start')"
same "remove --dry-run SET" "$(OVSPERF_TRACEFS=$FT $P remove --dry-run bridge-loop)" "-:ovsperf/run_start"
same "remove -n changed nothing" "$(cat "$FT/dynamic_events")" "$dyn"
out=$($P list --tracefs "$FT/none" 2>&1); rc=$?
same "--tracefs missing: exit" "$rc" 2
same "--tracefs missing: message" "$out" "ovsperf-probe: tracefs directory $FT/none does not exist"
for e in raw_syscalls/sys_enter raw_syscalls/sys_exit sched/sched_switch sched/sched_wakeup \
	sched/sched_wakeup_new irq/irq_handler_entry irq/irq_handler_exit irq/softirq_entry irq/softirq_exit; do
	mkdir -p "$FT/events/$e"
done
out=$($P install kernel-delay --tracefs "$FT" 2>/tmp/test-cli.$$); rc=$?
same "optional kretprobe: exit" "$rc" 0
[[ $out == "9 events ready (0 created): raw_syscalls:sys_enter "*" irq:softirq_exit" ]] ||
	{ echo "FAIL: optional kretprobe: install output: $out"; fail=1; }
[[ $(cat /tmp/test-cli.$$) == "ovsperf-probe: warning: kernel-delay: optional probe kr:ovs_dp_upcall not installed: this kernel has no kprobe events"* ]] &&
	[ "$(wc -l < /tmp/test-cli.$$)" = 1 ] ||
	{ echo "FAIL: optional kretprobe: warning: $(cat /tmp/test-cli.$$)"; fail=1; }
same "optional kretprobe, -q" "$($P install -q kernel-delay --tracefs "$FT" 2>&1 >/dev/null)" ""
out=$($P install k:ip_rcv --tracefs "$FT" 2>&1); rc=$?
same "no kprobe events: exit" "$rc" 2
[[ $out == "ovsperf-probe: command line: this kernel has no kprobe events"* ]] && [ "$(echo "$out" | wc -l)" = 1 ] ||
	{ echo "FAIL: no kprobe events: $out"; fail=1; }
same "install wrote nothing" "$(cat "$FT/dynamic_events")" "$dyn"
rm -rf "$FT"

# USDT and up: probes of ovs-vswitchd when none runs: one line, exit 2.
if ! pidof ovs-vswitchd >/dev/null; then
	out=$($P install -n bridge-loop 2>&1); rc=$?
	same "no ovs-vswitchd: exit" "$rc" 2
	same "no ovs-vswitchd: message" "$out" \
		"ovsperf-probe: bridge-loop: ovs-vswitchd is not running: give the binary with --binary PATH (or --pid PID)"
fi

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
