#!/bin/bash
# run-fuzz.sh FUZZER CORPUS WORKDIR RUNS - the fuzz ctest.
#
# 1. Replays every committed corpus input once (regressions: each crash ever
#    found is kept in the corpus, so this must pass before any fuzzing).
# 2. Fuzzes RUNS inputs from a fixed seed on a scratch copy of the corpus,
#    with a per-input timeout (hangs) and a memory cap (runaway allocations).
#    A count of runs rather than a time budget, a fixed seed, a fixed hash
#    secret, no rereading of the corpus on a timer (-reload=0), no address
#    space randomisation (setarch -R, where allowed: hash tables keyed by
#    addresses take other paths otherwise) and no timer signal during the
#    run (-timeout, below): the same inputs are tried, with the same
#    coverage, on every run, whatever the machine's speed.
#    About 20-60 s here.  libFuzzer exits
#    non-zero on a crash, hang, leak or out-of-memory and writes the input to
#    WORKDIR/artifacts/.
set -u
fuzzer=$1 corpus=$2 work=$3 runs=${4:-10000}
# -timeout: libFuzzer checks it with a SIGALRM every timeout/2 + 1 seconds,
# which interrupts the reader's system calls (EINTR) at random moments and
# so changes the coverage and the inputs tried; 300 s, far above any input's
# time, keeps that timer from firing during the run (a minute here).
opts=(-timeout=300 -rss_limit_mb=1024 -malloc_limit_mb=1024 -max_len=65536)
# The hash tables' secret is random per run; fixed here, so each input takes
# the same paths on every run.
export OVSPERF_HASH_SEED=1
# No address space randomisation, where the system allows it.
norand=()
setarch "$(uname -m)" -R true 2>/dev/null && norand=(setarch "$(uname -m)" -R)
# Leaks inside libtraceevent are not ours (see lsan.supp); ours still fail.
export LSAN_OPTIONS="suppressions=$(dirname "$0")/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
n=$(find "$corpus" -type f | wc -l)
if [ "$n" -eq 0 ]; then
	echo "run-fuzz: no corpus in $corpus"
	exit 1
fi
echo "run-fuzz: replaying $n corpus inputs"
"${norand[@]}" "$fuzzer" "${opts[@]}" -runs=0 -artifact_prefix="$work/artifacts/" "$corpus" ||
	{ echo "run-fuzz: a corpus input fails (see above)"; exit 1; }

cp "$corpus"/* "$work/corpus/"
echo "run-fuzz: fuzzing $runs inputs (seed 1)"
"${norand[@]}" "$fuzzer" "${opts[@]}" -seed=1 -runs="$runs" -reload=0 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus" 2>"$work/log"
rc=$?
tail -n 30 "$work/log"
if [ $rc -ne 0 ]; then
	echo "run-fuzz: fuzzer failed (rc $rc); reproducer(s):"
	ls -l "$work/artifacts/"
	exit 1
fi
exit 0
