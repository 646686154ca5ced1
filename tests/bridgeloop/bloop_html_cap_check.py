#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
bloop_html_cap_check.py - the --html page cuts a list of sections at 40 with
a note "... N more (see --json)" (ovsperf-analyze(1), --html).

gen-bloop writes a recording of one ovs-vswitchd process with NTHREADS
main-loop threads; bridge-loop's "threads" array is a list of sections in
the page.  Checked: the page has min(NTHREADS, 40) thread sections, they are
the first threads of the JSON report in its order, and the note with
N = NTHREADS - 40 follows them only when NTHREADS > 40 (no note otherwise).

Usage: bloop_html_cap_check.py ANALYZER GEN_BLOOP WORKDIR NTHREADS
Exit 0 when everything matches, 1 otherwise.
"""
import html
import json
import os
import re
import subprocess
import sys

CAP = 40


def main():
    analyzer, gen, work, nthr = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    os.makedirs(work, exist_ok=True)
    data = os.path.join(work, f'threads{nthr}.data')
    answer = os.path.join(work, f'threads{nthr}.json')
    page = os.path.join(work, f'threads{nthr}.html')
    subprocess.run([gen, data, answer, '1', str(nthr)], check=True)
    doc = json.loads(subprocess.run([analyzer, 'bridge-loop', '--json', '-q', data], check=True,
                                    capture_output=True, text=True).stdout)
    subprocess.run([analyzer, 'bridge-loop', '-q', '--html', page, data], check=True)
    with open(page) as f:
        text = f.read()
    errors = []
    names = [t['name'] for t in doc['reports']['bridge_loop']['threads']]
    if len(names) != nthr:
        errors.append(f'JSON: {len(names)} threads, expected {nthr}')
    got = [html.unescape(m) for m in re.findall(r'<summary>threads: name (.*?)</summary>', text)]
    if got != names[:CAP]:
        errors.append(f'page: {len(got)} thread sections {got[:3]}..., expected the first '
                      f'{min(nthr, CAP)} of the JSON {names[:3]}...')
    notes = re.findall(r'<p class="note">&hellip; (\d+) more \(see --json\)</p>', text)
    want = [str(nthr - CAP)] if nthr > CAP else []
    if notes != want:
        errors.append(f'page: notes {notes}, expected {want}')
    elif want:
        # The note closes the list: right after the last section shown.
        last = text.rfind('<summary>threads: ')
        if text.find('<p class="note">', last) != text.find(
                '</details>', last) + len('</details>\n'):
            errors.append('page: the note does not follow the last section')
    if errors:
        print('\n'.join(errors))
        print(f'FAIL: {len(errors)} differences')
        return 1
    print(f'OK: {nthr} threads -> {len(got)} sections' +
          (f' and "... {notes[0]} more"' if notes else ', no note'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
