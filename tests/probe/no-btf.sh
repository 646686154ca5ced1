#!/bin/bash
# no-btf.sh - the fields that need kernel BTF when there is none
# (ovsperf-probes(5): +STRUCT.MEMBER, the skb field head, the flow field nh;
# ovsperf-probe(1): --btf, --no-flow), on dry runs in a mount namespace of
# our own where /sys/kernel/btf is an empty tmpfs (unshare -rm: no root
# needed; exit 77 where user namespaces are not allowed):
# - every such field is left out, the rest of each probe and every other
#   probe installed, exit 0, with one warning for the install: it names the
#   first field left out and the missing file;
# - -q and --no-flow: the same definitions, no warning;
# - a --btf FILE that is not BTF: a +STRUCT.MEMBER field is an error (exit
#   2, one line naming the field and the file);
# - a --btf FILE over 64 MiB is not read (head left out, with a warning
#   saying so), one of 64 MiB is.
# Usage: no-btf.sh OVSPERF_PROBE
set -u
P=$(realpath "$1")
fail=0
same() { # same DESC GOT WANT
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1"; echo "  got:  $2"; echo "  want: $3"; fail=1
	fi
}
err=$(mktemp /tmp/no-btf.XXXXXX)
trap 'rm -f "$err"' EXIT
# nobtf CMD...: CMD run where /sys/kernel/btf is empty.
nobtf() {
	unshare -rm sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh "$@"
}
nobtf test ! -e /sys/kernel/btf/vmlinux 2>/dev/null ||
	{ echo "SKIP: cannot hide /sys/kernel/btf (unshare -rm, mount)"; exit 77; }

specs=('k:tcp_v4_rcv len=+sk_buff.len(arg1):u32 skb=arg1:skb flow'
       'k:openvswitch:ovs_packet_cmd_execute n=arg1 pkt=+4(+8(+genl_info.attrs(arg2))):x8[64]'
       'k:ip_rcv skb=arg1:skb flow')
want='p:ovsperf/tcp_v4_rcv tcp_v4_rcv skb=%di:x64
p:ovsperf/ovs_packet_cmd_execute openvswitch:ovs_packet_cmd_execute n=%di:x64
p:ovsperf/ip_rcv ip_rcv skb=%di:x64'

out=$(OVSPERF_TRACEFS= nobtf "$P" install -n "${specs[@]}" 2>"$err"); rc=$?
same "no BTF: exit" "$rc" 0
same "no BTF: the fields that need it left out" "$out" "$want"
same "no BTF: one warning" "$(cat "$err")" \
	"ovsperf-probe: warning: tcp_v4_rcv: len skipped (no kernel BTF: /sys/kernel/btf/vmlinux is missing)"
for o in -q --no-flow; do
	out=$(OVSPERF_TRACEFS= nobtf "$P" install -n $o "${specs[@]}" 2>"$err"); rc=$?
	same "no BTF, $o: exit" "$rc" 0
	same "no BTF, $o: the same definitions" "$out" "$want"
	same "no BTF, $o: no warning" "$(cat "$err")" ""
done

out=$(OVSPERF_TRACEFS= "$P" install -n --btf /dev/zero "${specs[0]}" 2>"$err"); rc=$?
same "--btf not BTF, +STRUCT.MEMBER: exit" "$rc" 2
same "--btf not BTF, +STRUCT.MEMBER: nothing installed" "$out" ""
same "--btf not BTF, +STRUCT.MEMBER: the error" "$(cat "$err")" \
	"ovsperf-probe: command line: field len: cannot read /dev/zero: not a regular file (a character device)"

# The BTF file is read only up to 64 MiB (ovsperf-probes(5)): one byte more
# is refused unread, 64 MiB exactly is read (and found not to be BTF).
# Sparse files: no disk space used.
D=$(mktemp -d /tmp/no-btf.XXXXXX)
truncate -s $((64 << 20)) "$D/at.btf"
truncate -s $(((64 << 20) + 1)) "$D/past.btf"
out=$(OVSPERF_TRACEFS= "$P" install -n --btf "$D/past.btf" 'k:ip_rcv skb=arg1:skb' 2>"$err"); rc=$?
same "--btf past 64 MiB: exit" "$rc" 0
same "--btf past 64 MiB: head left out" "$out" "p:ovsperf/ip_rcv ip_rcv skb=%di:x64"
same "--btf past 64 MiB: not read" "$(cat "$err")" \
	"ovsperf-probe: warning: ip_rcv: field head skipped (cannot read $D/past.btf: larger than 67108864 bytes (67108865))"
OVSPERF_TRACEFS= "$P" install -n --btf "$D/at.btf" 'k:ip_rcv skb=arg1:skb' >/dev/null 2>"$err"
same "--btf of 64 MiB: read" "$(cat "$err")" \
	"ovsperf-probe: warning: ip_rcv: field head skipped ($D/at.btf: not a BTF file (or an unsupported BTF version))"
rm -rf "$D"
[ "$fail" = 0 ] && echo PASS
exit $fail
