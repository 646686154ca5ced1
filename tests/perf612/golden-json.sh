#!/bin/bash
# golden-json.sh ANALYZE EXPECTED ARGS... - the "reports" member of
# `ANALYZE ARGS...` (a --json run) must equal that of EXPECTED (kept in
# testdata/, checked against an independent computation when it was made);
# the rest of the document (paths, versions) is not compared.
analyze=$1 expected=$2
shift 2
"$analyze" "$@" 2>/dev/null | python3 -c '
import json, sys
want = json.load(open(sys.argv[1]))["reports"]
got = json.load(sys.stdin)["reports"]
if got != want:
    a = json.dumps(want, indent=1, sort_keys=True).splitlines()
    b = json.dumps(got, indent=1, sort_keys=True).splitlines()
    import difflib
    print("\n".join(list(difflib.unified_diff(a, b, "expected", "got", lineterm=""))[:40]))
    print("FAIL: the reports differ from", sys.argv[1])
    sys.exit(1)
print("reports equal to", sys.argv[1])' "$expected"
