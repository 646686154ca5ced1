#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# check_drops_caps.py - the caps on the drops report's flows and kernel
# callchains (65,536 distinct of each, ovsperf-analyze(1) LIMITS), on
# recordings of `gen-flows ... drops`: every packet on a flow of its own,
# freed with a callchain of its own.
#
# - 60,000 packets (below the caps): no warning, exit 0, 60,000 flows.
# - --top N on 200 drops: N callchains per reason (3 by default, 64 at most).
# - 70,000 packets (past both): exit 2 with exactly the two warnings; every
#   drop is counted, the flow table holds the first 65,536 flows, those of
#   the 60,000 run with the same rows.
#
# Usage: check_drops_caps.py GEN_FLOWS OVSPERF_ANALYZE TMPDIR
import json
import os
import subprocess
import sys

gen, analyze, tmp = sys.argv[1:4]
CAP = 65536
WARN_FLOWS = "drops: more than %d distinct flows" % CAP
WARN_CHAINS = "drops: more than %d distinct kernel callchains" % CAP
failures = 0


def fail(msg):
    global failures
    print("FAIL: " + msg)
    failures += 1


def drops(n):
    """drops --json on gen-flows drops N: (exit status, report, stderr)."""
    data = os.path.join(tmp, "dropcaps.data")
    subprocess.run([gen, data, data + ".kallsyms", str(n), "drops"], check=True)
    p = subprocess.run([analyze, "drops", "--json", data], capture_output=True, text=True)
    for f in (data, data + ".kallsyms"):
        os.unlink(f)
    rep = json.loads(p.stdout)["reports"]["drops"] if p.stdout.startswith("{") else None
    return p.returncode, rep, p.stderr


os.makedirs(tmp, exist_ok=True)
rc, below, err = drops(60000)
if rc != 0 or err or not below or below["drops"] != 60000 or len(below["flows"]) != 60000:
    fail("below the caps: exit %d, stderr %r, %s drops in %s flows (expected 0, nothing, "
         "60000 in 60000)" % (rc, err, below and below["drops"], below and len(below["flows"])))
rc, past, err = drops(70000)
lines = err.splitlines()
print("past the caps: exit %d, stderr %r" % (rc, err))
if rc != 2:
    fail("past the caps: exit %d, expected 2" % rc)
if len(lines) != 2 or WARN_FLOWS not in err or WARN_CHAINS not in err:
    fail("past the caps: expected the two cap warnings, got %r" % err)
if not past or past["drops"] != 70000 or len(past["flows"]) != CAP:
    fail("past the caps: %s drops in %s flows, expected 70000 in %d" %
         (past and past["drops"], past and len(past["flows"]), CAP))
elif below:
    rows = {json.dumps(f, sort_keys=True) for f in past["flows"]}
    missing = [f for f in below["flows"] if json.dumps(f, sort_keys=True) not in rows]
    if missing:
        fail("past the caps: %d flows of the first 60000 changed, e.g. %r" %
             (len(missing), missing[0]))

# --top N: the callchains shown per reason (default 3, at most 64), on 200
# drops with a callchain each; gen-flows' kfree_skb has no reason field, so
# the one reason is "(no reason recorded)".
data = os.path.join(tmp, "droptop.data")
subprocess.run([gen, data, data + ".kallsyms", "200", "drops"], check=True)
for opts, want in (([], 3), (["--top", "0"], 0), (["--top", "1"], 1), (["--top", "64"], 64),
                   (["--top", "100"], 64)):
    p = subprocess.run([analyze, "drops", "--json", "-q"] + opts + [data], capture_output=True,
                       text=True)
    got = [(r["reason"], r["count"], len(r.get("callchains", [])))
           for r in json.loads(p.stdout)["reports"]["drops"]["reasons"]] if p.stdout else []
    if p.returncode or got != [("(no reason recorded)", 200, want)]:
        fail("drops %s: exit %d, reasons %s, expected 200 (no reason recorded) with %d "
             "callchains" % (" ".join(opts) or "(no --top)", p.returncode, got, want))
for f in (data, data + ".kallsyms"):
    os.unlink(f)
print("PASS" if not failures else "%d failure(s)" % failures)
sys.exit(1 if failures else 0)
