#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# full_disk.sh - a real full disk: a 64 KB tmpfs mounted for the test (root).
# Each writer that fills it fails with one line naming the file and
# "No space left on device", exit status 1; a file that was there before is
# as it was; no temporary is left and the tmpfs is as empty as before.
# Usage: full_disk.sh OVSPERF_ANALYZE OVSPERF_PROBE TESTDATA WORKDIR
set -u
A=$1 P=$2 td=$3 work=$4
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (mount)"; exit 77; }
rm -rf "$work"
mkdir -p "$work/mnt"
mnt=$work/mnt
mount -t tmpfs -o size=64k ovsperf-full "$mnt" || { echo "SKIP: cannot mount a tmpfs"; exit 77; }
trap 'umount "$mnt"' EXIT
fail=0
full='No space left on device'
# Sanitizer builds: the list of suppressed libperf leaks is not an error line.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0"

expect() {	# WHAT RC WANT_RC ERRFILE PATTERN
	local what=$1 rc=$2 want=$3 errf=$4 pat=$5
	if [ "$rc" != "$want" ]; then
		echo "FAIL: $what: exit status $rc, expected $want"; cat "$errf"; fail=1
	fi
	# One error line; warnings (an archive of another boot's recording) aside.
	if [ "$(grep -v ': warning: ' "$errf" | grep -c .)" != 1 ] || ! grep -qF -- "$pat" "$errf"; then
		echo "FAIL: $what: expected one line with '$pat':"; cat "$errf"; fail=1
	fi
	if [ -n "$(find "$mnt" -name '.*' -type f)" ]; then
		echo "FAIL: $what: temporaries left:"; find "$mnt" -name '.*' -type f; fail=1
	fi
}

same() {	# WHAT FILE TEXT
	[ "$(cat "$2")" = "$3" ] || { echo "FAIL: $1: $2 changed"; fail=1; }
}

# Trace (145 KB) over a file that is there: it stays.
echo precious > "$mnt/keep.json"
"$A" export --perfetto "$mnt/keep.json" "$td/kdelay.data" -q 2>"$work/err"
expect "export --perfetto on a full disk" $? 1 "$work/err" "export: cannot write $mnt/keep.json: $full"
same "export --perfetto on a full disk" "$mnt/keep.json" precious
"$A" export --perfetto "$mnt/new.json.gz" "$td/kdelay.g.data" -q 2>"$work/err"
rc=$?
# The .gz of this recording may fit: then it must be complete.
if [ $rc = 0 ]; then
	gzip -t "$mnt/new.json.gz" || { echo "FAIL: export .gz: not a complete gzip"; fail=1; }
	rm -f "$mnt/new.json.gz"
else
	expect "export .gz on a full disk" $rc 1 "$work/err" "cannot write $mnt/new.json.gz: $full"
	[ ! -e "$mnt/new.json.gz" ] || { echo "FAIL: export .gz: a file was left"; fail=1; }
fi

# Leave one page free (keep.json and a.tar.zst hold one each): the archive
# (8 KB), the HTML page (5 KB) and stdout do not fit.
echo old > "$mnt/a.tar.zst"
head -c 53248 /dev/zero > "$mnt/filler"
"$P" archive -o "$mnt/a.tar.zst" "$td/sched.data" 2>"$work/err"
expect "archive on a full disk" $? 1 "$work/err" "ovsperf-probe: archive: cannot write $mnt/a.tar.zst: $full"
same "archive on a full disk" "$mnt/a.tar.zst" old
"$A" --html "$mnt/page.html" "$td/net.data" -q >/dev/null 2>"$work/err"
expect "--html on a full disk" $? 1 "$work/err" "cannot write $mnt/page.html: $full"
[ ! -e "$mnt/page.html" ] || { echo "FAIL: --html: a partial page was left"; fail=1; }
"$A" script "$td/net.g.data" -q >"$mnt/out.txt" 2>"$work/err"
expect "script >full disk" $? 1 "$work/err" "cannot write standard output: $full"
"$A" --json "$td/ovs-lab.data" --kallsyms "$td/ovs-lab.kallsyms.zst" -q >"$mnt/out.txt" 2>"$work/err"
expect "--json >full disk" $? 1 "$work/err" "cannot write standard output: $full"
rm -f "$mnt/out.txt" "$mnt/filler"

# A recording (perf.data writer) over a file that is there.
if [ -d /sys/kernel/tracing/events/sched/sched_switch ]; then
	echo old > "$mnt/r.data"
	"$P" record -e sched:sched_switch -d 1 -q -o "$mnt/r.data" 2>"$work/err"
	expect "record on a full disk" $? 1 "$work/err" "cannot write $mnt/r.data: $full"
	same "record on a full disk" "$mnt/r.data" old
fi

# keep.json, a.tar.zst and r.data: one page each.
used=$(df -k --output=used "$mnt" | tail -1 | tr -d ' ')
[ "$used" -le 12 ] || { echo "FAIL: ${used} KB still used on the tmpfs:"; ls -la "$mnt"; fail=1; }
[ $fail = 0 ] && echo PASS
exit $fail
