#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# progress.sh - progress on stderr only when stderr is a terminal, never with
# --quiet, and the line is cleared before the report (CTest label golden).
# OVSPERF_PROGRESS_TEST=1 makes the reader check every 1024 records and show
# progress at once, so a small recording exercises it.
# Usage: progress.sh OVSPERF_ANALYZE RECORDING
set -u
analyze=$1
data=$2
fail=0
command -v script >/dev/null || { echo "SKIP: no script(1) to give a terminal"; exit 77; }
export OVSPERF_PROGRESS_TEST=1

# 1. On a terminal: a progress line with the percentage and the rate.
tty_out=$(script -qfec "$analyze info $data" /dev/null)
echo "$tty_out" | grep -aqE '\[ *[0-9]+%\] [0-9]+ events, [0-9.]+ M events/s' ||
	{ echo "FAIL: no progress line on a terminal"; fail=1; }
# ... and the report starts on a clean line: what the terminal shows of each
# line is what follows its last carriage return.
echo "$tty_out" | sed 's/\r$//; s/.*\r//' | grep -aq '^file: ' ||
	{ echo "FAIL: report garbled by progress"; fail=1; }

# 2. --quiet on a terminal: no progress.
script -qfec "$analyze info -q $data" /dev/null | grep -aq 'events/s' &&
	{ echo "FAIL: progress shown with --quiet"; fail=1; }

# 3. stderr not a terminal: nothing on stderr at all.
err=$("$analyze" info "$data" 2>&1 >/dev/null)
[ -z "$err" ] || { echo "FAIL: stderr not empty when not a terminal: $err"; fail=1; }

[ $fail = 0 ] && echo PASS
exit $fail
