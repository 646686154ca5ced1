#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_house.py - the rules of the house (ARCHITECTURE.md), checked on the
sources and on the object files of a build.

    check_house.py SOURCE_DIR BUILD_DIR

1. Size: no C file in lib/, analyzer/, probes/ is over 1,200 lines.
2. Layers, from the #include lines: lib/ includes nothing of analyzer/ or
   probes/; probes/ and analyzer/ share only lib/; inside analyzer/ a layer
   includes only its own and lower layers (decode < engine < report < out <
   cmd), and a writer (out/) never includes an engine/ header.
3. Calls, from the object files' symbols (nm): no function of a lower layer
   calls one of a higher layer, and no two modules call each other, directly
   or through others (a circle).  A module is one .c file, or the files that
   share one "-local.h" header (one concept split over several files).

Prints every breach and exits 1 when there is one.
"""
import collections
import os
import re
import subprocess
import sys

MAX_LINES = 1200
LAYERS = ['decode', 'engine', 'report', 'out', 'cmd']
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(top):
    for part in ('lib', 'analyzer', 'probes'):
        for root, dirs, files in os.walk(os.path.join(top, part)):
            dirs[:] = [d for d in dirs if d not in ('web', 'node_modules')]
            for f in files:
                if f.endswith(('.c', '.h')):
                    yield os.path.relpath(os.path.join(root, f), top)


def area(path):
    """('lib'|'probes'|'analyzer', layer or None)"""
    parts = path.split('/')
    if parts[0] == 'analyzer' and len(parts) > 2:
        return 'analyzer', parts[1]
    return parts[0], None


def rank(layer):
    return LAYERS.index(layer) if layer in LAYERS else -1


def include_target(src, inc, top):
    """The repository path an #include "inc" of src names, or None."""
    if inc.startswith('ovsperf/'):
        return 'lib/include/' + inc
    part = src.split('/')[0]
    for cand in (os.path.join(os.path.dirname(src), inc), os.path.join(part, inc),
                 os.path.join('lib', inc)):
        if os.path.exists(os.path.join(top, cand)):
            return os.path.normpath(cand)
    return None


def check_sources(top, errors):
    local_of = {}
    for src in sorted(sources(top)):
        text = open(os.path.join(top, src), encoding='utf-8', errors='replace').read()
        if src.endswith('.c') and text.count('\n') > MAX_LINES:
            errors.append('%s: %d lines (at most %d)' % (src, text.count('\n'), MAX_LINES))
        a, layer = area(src)
        for inc in INCLUDE.findall(text):
            dst = include_target(src, inc, top)
            if dst is None:
                continue
            b, dlayer = area(dst)
            if dst.endswith('-local.h') and src.endswith('.c'):
                local_of[src] = dst
            if a == 'lib' and b != 'lib':
                errors.append('%s includes %s: lib/ reaches up' % (src, dst))
            elif a != b and b != 'lib':
                errors.append('%s includes %s: %s/ and %s/ share only lib/' % (src, dst, a, b))
            elif a == 'analyzer' and layer and dlayer:
                if rank(dlayer) > rank(layer):
                    errors.append('%s includes %s: %s/ is below %s/' % (src, dst, layer, dlayer))
                if layer == 'out' and dlayer == 'engine':
                    errors.append('%s includes %s: a writer sees no engine' % (src, dst))
    return local_of


def objects(build):
    for root, dirs, files in os.walk(build):
        for f in files:
            if f.endswith('.c.o') and '.dir' in root:
                yield os.path.join(root, f)


def source_of(obj, build, top):
    """analyzer/engine/span.c for .../ovsperf-analyze.dir/engine/span.c.o"""
    rel = os.path.relpath(obj, build)
    m = re.match(r'(.*)/CMakeFiles/[^/]+\.dir/(.*)\.o$', rel)
    if not m:
        return None
    cand = os.path.normpath(os.path.join(m.group(1), m.group(2)))
    return cand if os.path.exists(os.path.join(top, cand)) else None


def check_calls(top, build, local_of, errors):
    defs, uses = {}, collections.defaultdict(set)
    seen = set()
    for obj in sorted(objects(build)):
        src = source_of(obj, build, top)
        if not src or src in seen or not src.startswith(('lib/', 'analyzer/', 'probes/')):
            continue
        seen.add(src)
        out = subprocess.run(['nm', obj], capture_output=True, text=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in 'TDBR':
                defs.setdefault(f[2], src)
            elif len(f) == 2 and f[0] == 'U':
                uses[src].add(f[1])
    if not seen:
        errors.append('%s: no object files of the project (build it first)' % build)
        return
    module = lambda s: local_of.get(s, s)
    graph = collections.defaultdict(set)
    for src, syms in uses.items():
        a, layer = area(src)
        for sym in syms:
            dst = defs.get(sym)
            if not dst or module(dst) == module(src):
                continue
            b, dlayer = area(dst)
            if a == 'lib' and b != 'lib':
                errors.append('%s calls %s (%s): lib/ reaches up' % (src, sym, dst))
            elif a == 'analyzer' and b == 'analyzer' and rank(dlayer) > rank(layer):
                errors.append('%s calls %s (%s): %s/ is below %s/' % (src, sym, dst, layer,
                                                                    dlayer))
            graph[module(src)].add(module(dst))
    # Circles: strongly connected components of more than one module.
    index, low, stack, on, comps = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strong(v)
    for comp in comps:
        errors.append('call circle: ' + ' <-> '.join(comp))


def main():
    top, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    errors = []
    local_of = check_sources(top, errors)
    check_calls(top, build, local_of, errors)
    for e in errors:
        print(e)
    if errors:
        print('check_house: %d breaches of the house rules' % len(errors))
        return 1
    print('check_house: sizes, include layers and call graph as the house rules say')
    return 0


if __name__ == '__main__':
    sys.exit(main())
