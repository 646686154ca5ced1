#!/bin/bash
# make-testdata.sh KERNEL RECDIR START,END - testdata/kernel-KERNEL.data from
# a recording of scripts/make-kernel-testdata (or rig-test.sh's WORKDIR): the
# samples between START and END (seconds, as perf script prints them) cut
# with scripts/perfdata-cut --time, and testdata/kernel-KERNEL.kallsyms, the
# symbols of that boot the cut recording needs (kallsyms-cut.py).  Pick a
# window with upcalls in it and a few hundred KB; the golden tests require
# 20 spans.  The dry run of the sets goes to expected/probes-KERNEL.txt.
set -eu
kernel=$1 rec=$2 window=$3
here=$(dirname "$(readlink -f "$0")")
top=$(cd "$here/../.." && pwd)
out=$top/testdata/kernel-$kernel
"$top/scripts/perfdata-cut" --time "$window" "$rec/kernel.data" "$out.data"
chmod 644 "$out.data"
python3 "$here/kallsyms-cut.py" "$rec/kernel.kallsyms.zst" "$out.data" "$out.kallsyms"
cp "$rec/probes.txt" "$here/expected/probes-$kernel.txt"
ls -la "$out.data" "$out.kallsyms"
