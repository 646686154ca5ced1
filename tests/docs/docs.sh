#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docs.sh - the manual pages render without warnings, every command answers
# --help, and every long option a --help names is documented in the page of
# its program (CTest label golden).
# Usage: docs.sh SRCDIR OVSPERF_ANALYZE OVSPERF_PROBE
set -u
src=$1
analyze=$2
probe=$3
fail=0
command -v man >/dev/null || { echo "SKIP: no man(1)"; exit 77; }

for page in "$src"/man/*.[157]; do
	w=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$w" ] || { echo "FAIL: $page renders with warnings: $w"; fail=1; }
done

check() {	# PROGRAM PAGE COMMAND...
	local prog=$1 page=$2 text c o help
	shift 2
	text=$(MANWIDTH=200 man -l "$page" 2>/dev/null | col -b)
	for c in "$@"; do
		if ! help=$("$prog" $c --help 2>&1); then
			echo "FAIL: $(basename "$prog") $c --help fails"; fail=1; continue
		fi
		for o in $(echo "$help" | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
			grep -qF -- "$o" <<< "$text" ||
				{ echo "FAIL: $(basename "$prog") $c: $o is not in $(basename "$page")"; fail=1; }
		done
	done
}
check "$analyze" "$src/man/ovsperf-analyze.1" "" script info merge export latency kernel-delay \
	bridge-loop upcall-cost upcalls journey drops
check "$probe" "$src/man/ovsperf-probe.1" "" install list remove perf-cmd record archive

[ $fail = 0 ] && echo PASS
exit $fail
