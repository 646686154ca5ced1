# SPDX-License-Identifier: Apache-2.0
"""peakrss.py - run a command and read its peak memory from the kernel
(wait4's ru_maxrss of the child), for the tests that bound memory: a
measurement the machine's load does not change, not a timing.

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
    import peakrss
    status, out, err, kb = peakrss.run([analyze, 'latency', data], workdir)

stdout and stderr go through files in WORKDIR (a large output never fills a
pipe) and are removed afterwards.  ENV (default: peakrss.ENV) keeps the
sanitizers' quarantine of freed memory small, so that the peak measured in
an ASan build is the program's own.
"""
import os
import subprocess

ENV = dict(os.environ)
ENV['ASAN_OPTIONS'] = ENV.get('ASAN_OPTIONS', '') + ':quarantine_size_mb=1'


def run(argv, workdir, env=None, tag='peakrss', stdout=True):
    """Run ARGV: (exit status, stdout text, stderr text, peak RSS in KB);
    with STDOUT false its output is discarded (stdout text None)."""
    out, err = os.path.join(workdir, tag + '-out'), os.path.join(workdir, tag + '-err')
    if not stdout:
        out = os.devnull
    try:
        with open(out, 'w') as o, open(err, 'w') as e:
            p = subprocess.Popen(argv, stdout=o, stderr=e, env=ENV if env is None else env)
            _, status, ru = os.wait4(p.pid, 0)
        with open(err) as e:
            text = None
            if stdout:
                with open(out) as o:
                    text = o.read()
            return os.waitstatus_to_exitcode(status), text, e.read(), ru.ru_maxrss
    finally:
        for f in (out, err):
            if f != os.devnull and os.path.exists(f):
                os.unlink(f)
