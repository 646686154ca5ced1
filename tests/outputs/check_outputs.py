#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Output files and standard output of ovsperf-analyze and ovsperf-probe.

- A write error on stdout (/dev/full) or on an output file (/dev/full, a
  file over RLIMIT_FSIZE) is one error line naming the file and the reason,
  exit status 1; /dev/full stays a device; a pre-existing file is untouched
  when the export fails; no temporary (.NAME.XXXXXX) is left behind.
- A FIFO or a symbolic link as the target: written through, not replaced.
- SIGINT/SIGTERM sent to an export (stalled on a pipe, or mid-write of a big
  synthetic recording) and to an archive: no partial or empty output, the
  old file as it was, no temporary.
- A reader that goes away (| head -1) ends the program quietly, also when
  SIGPIPE is ignored by the parent.
- Options: --json/--html refused by export, --html by script (one line,
  exit 1, not in their --help); info --html writes the page; export
  --perfetto X --pcap Y on a recording without packet bytes writes X, warns,
  exits 2.

usage: check_outputs.py OVSPERF_ANALYZE OVSPERF_PROBE TESTDATA WORKDIR GEN_UPCALL GEN_SYNTH
"""
import glob
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time

FAILS = []


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print('FAIL:', msg)
    return cond


def run(argv, stdout=subprocess.DEVNULL, preexec=None, timeout=120, stdin=subprocess.DEVNULL):
    p = subprocess.run(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                       timeout=timeout, preexec_fn=preexec)
    return p.returncode, p.stdout, p.stderr.decode(errors='replace')


def lines(err):
    return [l for l in err.splitlines() if l.strip()]


def temporaries(d):
    return [f for f in glob.glob(os.path.join(d, '.*')) if os.path.isfile(f)]


def one_error(what, rc, err, want_rc, *parts):
    """rc is @want_rc and stderr is exactly one error line (warnings aside)
    holding every part."""
    ls = [l for l in lines(err) if ': warning: ' not in l]
    ok = check(rc == want_rc, f'{what}: exit status {rc}, expected {want_rc} ({err.strip()})')
    ok = check(len(ls) == 1, f'{what}: {len(ls)} lines on stderr, expected 1: {ls}') and ok
    for p in parts:
        ok = check(p in err, f'{what}: "{p}" not in the error: {err.strip()}') and ok
    return ok


def is_dev_full():
    st = os.stat('/dev/full')
    return stat.S_ISCHR(st.st_mode)


def test_dev_full(A, P, td, work, upc):
    net, sched = f'{td}/net.data', f'{td}/sched.data'
    full = 'No space left on device'
    # Standard output on /dev/full: every command.
    for args in ([net], ['latency', net], ['drops', net], ['journey', net],
                 ['journey', '--json', net], ['kernel-delay', '--pid', '14065', sched],
                 ['--json', net], ['--json', sched], ['script', net], ['script', '--json', net],
                 ['info', net], ['info', '--json', net], ['export', '--perfetto', '-', sched],
                 ['export', '--pcap', '-', upc], ['--help'], ['latency', '--help']):
        with open('/dev/full', 'w') as out:
            rc, _, err = run([A] + args + ([] if '--help' in args else ['-q']), stdout=out)
        one_error('analyze ' + ' '.join(args) + ' >/dev/full', rc, err, 1,
                  'cannot write standard output: ' + full)
    with open('/dev/full', 'w') as out:
        rc, _, err = run([P, 'perf-cmd', 'ovs-dp'], stdout=out)
    one_error('probe perf-cmd >/dev/full', rc, err, 1, 'cannot write standard output: ' + full)
    merge_in = f'{work}/m.json'
    with open(merge_in, 'wb') as out:
        run([A, '--json', net, '-q'], stdout=out)
    with open('/dev/full', 'w') as out:
        rc, _, err = run([A, 'merge', merge_in], stdout=out)
    one_error('merge >/dev/full', rc, err, 1, 'cannot write standard output: ' + full)

    # Standard output closed (>&-): an error when written; an output file
    # opened meanwhile must not take its number.
    closed = lambda: os.close(1)
    rc, _, err = run([A, 'info', net, '-q'], preexec=closed)
    one_error('info >&-', rc, err, 1, 'cannot write standard output: Bad file descriptor')
    rc, _, err = run([A, 'export', '--perfetto', f'{work}/closed.json', sched, '-q'],
                     preexec=closed)
    check(rc == 0 and not err and json.load(open(f'{work}/closed.json'))['traceEvents'],
          f'export with stdout closed: {rc} {err}')
    pc = f'{work}/closed.pcapng'
    rc, _, err = run([A, 'export', '--perfetto', '-', '--pcap', pc, upc, '-q'], preexec=closed)
    one_error('export --perfetto - with stdout closed', rc, err, 1,
              'standard output: Bad file descriptor')
    check(not os.path.exists(pc) or open(pc, 'rb').read(4) == b'\x0a\x0d\x0d\x0a',
          'export with stdout closed: the trace went into the pcapng')
    with open(f'{td}/net.pipe.data', 'rb') as pipe_in:   # no input file takes fd 1
        rc, _, err = run([A, 'export', '--perfetto', '-', '--pcap', pc, '-', '-q'],
                         preexec=closed, stdin=pipe_in)
    one_error('export --perfetto - from stdin with stdout closed', rc, err, 1,
              'standard output: Bad file descriptor')
    rc, _, err = run([A, '--html', f'{work}/closed.html', net, '-q'], preexec=closed)
    one_error('--html with stdout closed', rc, err, 1, 'standard output: Bad file descriptor')
    page = f'{work}/closed.html'
    check(not os.path.exists(page) or open(page).read().startswith('<!DOCTYPE html>'),
          '--html with stdout closed: the page got the text report')

    # Output files on /dev/full: the node stays a device.
    for args in (['export', '--perfetto', '/dev/full', sched],
                 ['export', '--pcap', '/dev/full', upc],
                 ['--html', '/dev/full', net], ['latency', '--html', '/dev/full', net],
                 ['info', '--html', '/dev/full', net], ['merge', '--html', '/dev/full', merge_in]):
        rc, _, err = run([A] + args + ([] if args[0] == 'merge' else ['-q']))
        one_error('analyze ' + ' '.join(args), rc, err, 1, 'cannot write /dev/full: ' + full)
        check(is_dev_full(), f'{args}: /dev/full is no longer a character device')
    rc, _, err = run([P, 'archive', '-o', '/dev/full', sched])
    one_error('archive -o /dev/full', rc, err, 1,
              'ovsperf-probe: archive: cannot write /dev/full: ' + full)
    check(is_dev_full(), 'archive: /dev/full is no longer a character device')


def limit_fsize(nbytes):
    """A preexec_fn: writes beyond @nbytes fail with EFBIG (a full disk
    that needs no root)."""
    def f():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return f


def test_survives(A, P, td, work, upc):
    d = f'{work}/survive'
    os.makedirs(d)
    keep = f'{d}/keep.json'
    with open(keep, 'w') as f:
        f.write('precious\n')
    os.chmod(keep, 0o640)
    kd = f'{td}/kdelay.data'   # a 145 KB trace
    big = 'File too large'
    # The trace cannot be written (64 KB file size limit).
    rc, _, err = run([A, 'export', '--perfetto', keep, kd, '-q'], preexec=limit_fsize(65536))
    one_error('export over RLIMIT_FSIZE', rc, err, 1, f'export: cannot write {keep}: {big}')
    check(open(keep).read() == 'precious\n', 'export over RLIMIT_FSIZE: keep.json changed')
    rc, _, err = run([A, 'export', '--perfetto', keep + '.gz', kd, '-q'],
                     preexec=limit_fsize(4096))
    one_error('export .gz over RLIMIT_FSIZE', rc, err, 1, f'cannot write {keep}.gz: {big}')
    check(not os.path.exists(keep + '.gz'), 'export .gz over RLIMIT_FSIZE: a file was left')
    pft = f'{d}/keep.pftrace'   # Perfetto's protobuf form
    open(pft, 'w').write('old trace\n')
    rc, _, err = run([A, 'export', '--perfetto', pft, f'{td}/kdelay.g.data', '-q'],
                     preexec=limit_fsize(4096))
    one_error('export proto over RLIMIT_FSIZE', rc, err, 1, f'export: cannot write {pft}: {big}')
    check(open(pft).read() == 'old trace\n', 'export proto over RLIMIT_FSIZE: the old file changed')
    # The pcapng cannot be created: nothing is written, keep.json as it was.
    rc, _, err = run([A, 'export', '--perfetto', keep, '--pcap', f'{d}/no/dir.pcapng', kd, '-q'])
    one_error('export --pcap in a missing directory', rc, err, 1,
              f'cannot write {d}/no/dir.pcapng: No such file or directory')
    check(open(keep).read() == 'precious\n', 'export --pcap missing dir: keep.json changed')
    # A recording damaged mid-file: the export fails; keep.json stays, or
    # (if partial exports are ever written) is a complete document.
    data = bytearray(open(kd, 'rb').read())
    off, size = int.from_bytes(data[40:48], 'little'), int.from_bytes(data[48:56], 'little')
    p = off
    while p < off + size // 2:
        p += int.from_bytes(data[p + 6:p + 8], 'little')
    data[p + 6:p + 8] = (3).to_bytes(2, 'little')   # a record of 3 bytes
    bad = f'{d}/bad.data'
    open(bad, 'wb').write(data)
    rc, _, err = run([A, 'export', '--perfetto', keep, bad, '-q'])
    check(rc == 2, f'export of a damaged recording: exit status {rc}')
    text = open(keep).read()
    if text != 'precious\n':
        check(json.loads(text).get('traceEvents') is not None,
              'export of a damaged recording: keep.json replaced by a partial document')
    check(stat.S_IMODE(os.stat(keep).st_mode) == 0o640, 'keep.json lost its mode')
    # The HTML page and the archive over the limit.
    rc, _, err = run([A, 'latency', '--html', keep, f'{td}/net.data', '-q'],
                     preexec=limit_fsize(2048))
    one_error('--html over RLIMIT_FSIZE', rc, err, 1, f'cannot write {keep}: {big}')
    check(open(keep).read() in ('precious\n', text), '--html over RLIMIT_FSIZE: keep.json changed')
    arch = f'{d}/keep.tar.zst'
    open(arch, 'w').write('old archive\n')
    rc, _, err = run([P, 'archive', '-o', arch, kd], preexec=limit_fsize(8192))
    one_error('archive over RLIMIT_FSIZE', rc, err, 1, f'ovsperf-probe: archive: cannot write {arch}: {big}')
    check(open(arch).read() == 'old archive\n', 'archive over RLIMIT_FSIZE: the old file changed')
    check(not temporaries(d), f'temporaries left: {temporaries(d)}')
    # Success replaces the file, keeps its mode, leaves no temporary.
    rc, _, err = run([A, 'export', '--perfetto', keep, kd, '-q'])
    check(rc == 0 and json.load(open(keep))['traceEvents'], f'export to keep.json: {rc} {err}')
    check(stat.S_IMODE(os.stat(keep).st_mode) == 0o640, 'export: keep.json lost its mode')
    check(not temporaries(d), f'temporaries left: {temporaries(d)}')


def test_fifo_symlink(A, td, work):
    d = f'{work}/fifo'
    os.makedirs(d)
    fifo = f'{d}/trace.fifo'
    os.mkfifo(fifo)
    got = []
    t = threading.Thread(target=lambda: got.append(open(fifo, 'rb').read()))
    t.start()
    rc, _, err = run([A, 'export', '--perfetto', fifo, '--format', 'json', f'{td}/sched.data',
                      '-q'], timeout=60)
    if t.is_alive():    # it never opened the FIFO: let the reader go
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    t.join(60)
    check(rc == 0, f'export to a FIFO: exit status {rc} {err}')
    check(got and json.loads(got[0])['traceEvents'], 'export to a FIFO: no trace read')
    check(stat.S_ISFIFO(os.lstat(fifo).st_mode), 'export to a FIFO: it is no longer a FIFO')
    real, link = f'{d}/real.json', f'{d}/link.json'
    open(real, 'w').write('old\n')
    os.symlink('real.json', link)
    rc, _, err = run([A, 'export', '--perfetto', link, f'{td}/sched.data', '-q'])
    check(rc == 0 and os.path.islink(link), f'export to a symlink: {rc}, link kept: '
          f'{os.path.islink(link)}')
    check(json.load(open(real))['traceEvents'], 'export to a symlink: target not written')
    check(not temporaries(d), f'temporaries left: {temporaries(d)}')
    # /dev/stdout when stdout is a regular file: written through it, the
    # file not replaced (the same inode).
    out = f'{d}/stdout.json'
    with open(out, 'wb') as f:
        ino = os.fstat(f.fileno()).st_ino
        rc, _, err = run([A, 'export', '--perfetto', '/dev/stdout', '--format', 'json',
                          f'{td}/sched.data', '-q'], stdout=f)
    check(rc == 0 and os.stat(out).st_ino == ino, f'export to /dev/stdout: {rc} {err}')
    check(json.load(open(out))['traceEvents'], 'export to /dev/stdout: no trace')
    check(not temporaries(d), f'temporaries left: {temporaries(d)}')


def wait_for(cond, secs):
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.005)
    return False


def dies_clean(what, p, sig, d, target, old, live=False):
    """@p was sent @sig: it dies of it, or (reading a live pipe, which a
    command may stop reading on the signal) ends with a complete JSON
    document; never a partial file, never a temporary left."""
    try:
        rc = p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()
        check(False, f'{what}: still running 60 s after the signal')
        return
    if rc == -sig:
        now = open(target, 'rb').read() if os.path.exists(target) else None
        check(now == old, f'{what}: the target changed ({None if now is None else len(now)} bytes)')
    elif live:
        check(rc in (0, 2), f'{what}: exit status {rc}')
        check(json.load(open(target)).get('traceEvents') is not None,
              f'{what}: the target is not a complete document')
    else:
        check(False, f'{what}: exit status {rc}, not killed by the signal')
    check(not temporaries(d), f'{what}: temporaries left: {temporaries(d)}')


def test_signals(A, P, td, work, synth):
    d = f'{work}/signals'
    os.makedirs(d)
    # An export reading a pipe that stalls half way: the signal finds it
    # blocked in read(), its temporary open.
    pipe_data = open(f'{td}/net.pipe.data', 'rb').read()
    for sig in (signal.SIGINT, signal.SIGTERM):
        target = f'{d}/pipe.json'
        if os.path.exists(target):
            os.unlink(target)
        p = subprocess.Popen([A, 'export', '--perfetto', target, '-', '-q'],
                             stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
        p.stdin.write(pipe_data[:len(pipe_data) // 2])
        p.stdin.flush()
        check(wait_for(lambda: temporaries(d), 30), 'pipe export: no temporary appeared')
        p.send_signal(sig)
        try:
            p.stdin.close()
        except BrokenPipeError:
            pass
        dies_clean(f'export from a stalled pipe, signal {sig.name}', p, sig, d, target, None,
                   live=True)
    # Mid-write of a big trace (JSON, then protobuf), over an existing file.
    for sig, target in ((signal.SIGINT, f'{d}/big.json'), (signal.SIGTERM, f'{d}/big.json'),
                        (signal.SIGINT, f'{d}/big.pftrace')):
        open(target, 'wb').write(b'precious\n')
        p = subprocess.Popen([A, 'export', '--perfetto', target, synth, '-q'],
                             stderr=subprocess.DEVNULL)
        grew = wait_for(lambda: any(os.path.getsize(t) > (1 << 18) for t in temporaries(d)), 60)
        check(grew and p.poll() is None,
              f'big export: the temporary did not grow past 256 KB while running ({p.poll()})')
        p.send_signal(sig)
        dies_clean(f'export mid-write, signal {sig.name}', p, sig, d, target, b'precious\n')
    # An archive mid-write.
    target = f'{d}/big.tar.zst'
    open(target, 'wb').write(b'old archive\n')
    p = subprocess.Popen([P, 'archive', '-o', target, synth], stderr=subprocess.DEVNULL)
    grew = wait_for(lambda: any(os.path.getsize(t) > 0 for t in temporaries(d)), 60)
    check(grew and p.poll() is None, f'archive: no temporary grew while running ({p.poll()})')
    p.send_signal(signal.SIGTERM)
    rc = p.wait(60)
    check(rc == -signal.SIGTERM, f'archive killed by SIGTERM: exit status {rc}')
    check(open(target, 'rb').read() == b'old archive\n', 'archive killed: the old file changed')
    check(not temporaries(d), f'archive killed: temporaries left: {temporaries(d)}')


def test_head(A, td, synth):
    """| head -1: no message, killed by SIGPIPE or exit 0 (all fitted in the
    pipe), with SIGPIPE at its default and ignored by the parent."""
    def ignore_pipe():
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    for pre in (None, ignore_pipe):
        for args in (['script', synth], ['script', '--json', synth], ['latency', synth],
                     ['export', '--perfetto', '-', synth], ['--json', f'{td}/net.data'],
                     ['journey', '--json', f'{td}/net.g.data']):
            p = subprocess.Popen([A] + args + ['-q'], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, preexec_fn=pre)
            first = p.stdout.readline()
            p.stdout.close()
            err = p.stderr.read().decode(errors='replace')
            rc = p.wait(120)
            what = f'{" ".join(args)} | head -1{" (SIGPIPE ignored)" if pre else ""}'
            check(first, f'{what}: no first line')
            check(rc in (0, -signal.SIGPIPE), f'{what}: exit status {rc}')
            check(not err.strip(), f'{what}: stderr: {err.strip()}')


def test_options(A, td, work, upc):
    net, sched = f'{td}/net.data', f'{td}/sched.data'
    d = f'{work}/options'
    os.makedirs(d)
    for cmd, opt in (('export', '--json'), ('export', '--html'), ('script', '--html')):
        args = [A, cmd, opt] + ([f'{d}/x.html'] if opt == '--html' else [])
        args += ['--perfetto', f'{d}/x.json'] if cmd == 'export' else []
        rc, _, err = run(args + [net])
        one_error(f'{cmd} {opt}', rc, err, 1, f'{opt} is not an option of this command')
        check(not os.listdir(d), f'{cmd} {opt}: wrote {os.listdir(d)}')
        rc, out, _ = run([A, cmd, '--help'], stdout=subprocess.PIPE)
        check(rc == 0 and opt.encode() + b' ' not in out, f'{cmd} --help lists {opt}')
    # Where they work: info --html, script --json.
    rc, out, err = run([A, 'info', '--html', f'{d}/info.html', net, '-q'], stdout=subprocess.PIPE)
    page = open(f'{d}/info.html').read() if os.path.exists(f'{d}/info.html') else ''
    check(rc == 0 and b'EVENT' in out and page.rstrip().endswith('</html>') and 'info' in page,
          f'info --html: exit status {rc}, {len(page)} bytes of HTML {err}')
    # A trace and a pcapng of a recording without packet bytes.
    trace, pcap = f'{d}/t.json', f'{d}/t.pcapng'
    rc, _, err = run([A, 'export', '--perfetto', trace, '--pcap', pcap, sched])
    warn = [l for l in lines(err) if 'warning' in l]
    check(rc == 2, f'export --perfetto --pcap without packet bytes: exit status {rc}')
    check(len(warn) == 1 and pcap in warn[0] and 'packet bytes' in warn[0],
          f'export --perfetto --pcap without packet bytes: warnings {warn}')
    check(os.path.exists(trace) and json.load(open(trace))['traceEvents'],
          'export --perfetto --pcap without packet bytes: no trace')
    check(not os.path.exists(pcap), 'export --perfetto --pcap without packet bytes: a pcapng')
    # Both, with packet bytes: both written.
    rc, _, err = run([A, 'export', '--perfetto', trace, '--pcap', pcap, upc, '-q'])
    check(rc == 0 and os.path.getsize(pcap) > 100, f'export of both: {rc} {err}')
    check(not temporaries(d), f'temporaries left: {temporaries(d)}')


def main():
    A, P, td, work, gen_upcall, gen_synth = sys.argv[1:7]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    upc = f'{work}/upcall-bytes.data'
    subprocess.run([gen_upcall, 'bytes', upc, f'{work}/upcall-bytes.json'], check=True,
                   stdout=subprocess.DEVNULL)
    synth = f'{work}/synth.data'
    subprocess.run([gen_synth, '-o', synth, '-n', '500000'], check=True,
                   stdout=subprocess.DEVNULL)
    test_dev_full(A, P, td, work, upc)
    test_survives(A, P, td, work, upc)
    test_fifo_symlink(A, td, work)
    test_signals(A, P, td, work, synth)
    test_head(A, td, synth)
    test_options(A, td, work, upc)
    shutil.rmtree(work, ignore_errors=True)
    if FAILS:
        print(f'{len(FAILS)} failure(s)')
        return 1
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
