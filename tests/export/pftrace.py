#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Read a Perfetto protobuf trace written by `ovsperf-analyze export`.

The file's top-level packets are split here (each must be a
compressed_packets packet, or a plain packet when written with --level 0);
compressed ones are inflated with zlib; then the whole stream is decoded by
`protoc --decode=ovsperf.pf.Trace` against tests/export/perfetto-min.proto
(our own subset of Perfetto's message definitions) and its text parsed.

to_trace_events() rebuilds from the decoded packets the Trace Event JSON
document the JSON writer would make, so that check_trace.py applies the same
structural checks and the same comparisons with the reports to both formats:
interned names resolved per sequence, delta timestamps summed on the
sequence's incremental clock (the clock of the packet's timestamp_clock_id,
else of the sequence's TracePacketDefaults: 64, the sequence's incremental
clock, or 6, BOOTTIME, absolute), events ordered by time (stable), thread
tracks -> (pid, tid), run/ready tracks -> (pid, their uuid), CPU tracks ->
pseudo process CPU_PID, packet lanes -> async slices (one 'n' per hop and one
at the end), flows -> 's'/'f' pairs, counters -> 'C' events.
"""
import collections
import os
import re
import subprocess
import zlib

PROTO = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'perfetto-min.proto')
CPU_PID = 0x7ffffff2
PKT_PID = 0x7ffffff0
CNT_PID = 0x7ffffff1
TYPES = {'TYPE_SLICE_BEGIN': 1, 'TYPE_SLICE_END': 2, 'TYPE_INSTANT': 3, 'TYPE_COUNTER': 4}


def _varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7f) << s
        s += 7
        if c < 0x80:
            return r, i


def raw_stream(path):
    """The file's packets, compressed ones inflated, as one Trace stream."""
    data = open(path, 'rb').read()
    out, i, stats = [], 0, {'compressed': 0, 'plain': 0}
    while i < len(data):
        tag, i = _varint(data, i)
        n, i = _varint(data, i)
        if tag != (1 << 3 | 2) or i + n > len(data):
            raise ValueError(f'{path}: not a Trace at byte {i}')
        pk = data[i:i + n]
        i += n
        t, j = _varint(pk, 0)
        if t == (50 << 3 | 2):
            m, j = _varint(pk, j)
            if j + m != len(pk):
                raise ValueError(f'{path}: compressed_packets is not alone in its packet')
            if len(pk) >= 512 * 1024:
                raise ValueError(f'{path}: compressed packet of {len(pk)} bytes')
            out.append(zlib.decompress(pk[j:j + m]))
            stats['compressed'] += 1
        else:
            out.append(data[i - n - len(_encode_len(n)) - 1:i])
            stats['plain'] += 1
    return b''.join(out), stats


def _encode_len(n):
    b = bytearray()
    while n >= 0x80:
        b.append(n & 0x7f | 0x80)
        n >>= 7
    b.append(n)
    return bytes(b)


_TOKEN = re.compile(r'\s*(?:([A-Za-z_][A-Za-z0-9_]*)\s*(:)?\s*|(\{)|(\})|'
                    r'("(?:[^"\\]|\\.)*")|([-0-9A-Za-z_.+]+))')


def _unescape(s):
    b = bytearray()
    i = 0
    s = s[1:-1]
    while i < len(s):
        c = s[i]
        if c != '\\':
            b += c.encode()
            i += 1
            continue
        n = s[i + 1]
        if n in '01234567':
            j = i + 1
            while j < len(s) and j < i + 4 and s[j] in '01234567':
                j += 1
            b.append(int(s[i + 1:j], 8))
            i = j
        else:
            b += {'n': b'\n', 't': b'\t', 'r': b'\r', '"': b'"', "'": b"'",
                  '\\': b'\\'}.get(n, n.encode())
            i += 2
    return bytes(b).decode('utf-8', 'replace')


def parse_text(text):
    """protoc's text format -> nested dict of lists of values / dicts."""
    stack = [collections.defaultdict(list)]
    pos, key = 0, None
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == '':
                break
            raise ValueError(f'protoc text at {pos}: {text[pos:pos + 40]!r}')
        pos = m.end()
        name, colon, lb, rb, string, word = m.groups()
        if name is not None and (colon or text[pos:pos + 1] == '{'):
            key = name
            continue
        if lb:
            d = collections.defaultdict(list)
            stack[-1][key].append(d)
            stack.append(d)
        elif rb:
            stack.pop()
        elif string is not None:
            stack[-1][key].append(_unescape(string))
        else:
            v = name if name is not None else word
            try:
                v = int(v)
            except ValueError:
                pass
            stack[-1][key].append(v)
    return stack[0]


def decode(path):
    """The decoded packets (list of dicts) and the container stats."""
    raw, stats = raw_stream(path)
    r = subprocess.run(['protoc', f'--proto_path={os.path.dirname(PROTO)}',
                        '--decode=ovsperf.pf.Trace', PROTO], input=raw, capture_output=True,
                       check=True)
    return parse_text(r.stdout.decode()).get('packet', []), stats


def one(d, k, default=None):
    v = d.get(k)
    return v[0] if v else default


def to_trace_events(packets):
    """A Trace Event Format document equivalent to the protobuf trace."""
    interned = collections.defaultdict(lambda: collections.defaultdict(dict))
    clock = {}                  # seq -> last value of its incremental clock
    default_clock = {}          # seq -> its TracePacketDefaults.timestamp_clock_id
    clocks = collections.Counter()   # (seq, clock id) -> track events
    tracks = {}                 # uuid -> descriptor dict
    events = []                 # (ts, index, seq, TrackEvent)
    meta = []
    problems = []
    for idx, p in enumerate(packets):
        seq = one(p, 'trusted_packet_sequence_id')
        if seq is None:
            problems.append(f'packet {idx} has no sequence id')
            continue
        flags = one(p, 'sequence_flags', 0)
        if flags & 1:
            interned[seq].clear()
            clock.pop(seq, None)
            default_clock.pop(seq, None)
        for d in p.get('trace_packet_defaults', []):
            default_clock[seq] = one(d, 'timestamp_clock_id')
        for cs in p.get('clock_snapshot', []):
            for c in cs.get('clocks', []):
                if one(c, 'clock_id') == 64 and one(c, 'is_incremental'):
                    clock[seq] = one(c, 'timestamp')
        for idata in p.get('interned_data', []):
            for kind in ('event_categories', 'event_names', 'debug_annotation_names',
                         'debug_annotation_string_values'):
                for e in idata.get(kind, []):
                    interned[seq][kind][one(e, 'iid')] = one(e, 'name')
        if 'track_descriptor' in p:
            td = p['track_descriptor'][0]
            tracks[one(td, 'uuid')] = td
        if 'track_event' in p:
            # The packet's clock, else the sequence's default: BOOTTIME (6)
            # is absolute, the sequence's incremental clock (64) a delta.
            ts = one(p, 'timestamp')
            clk = one(p, 'timestamp_clock_id', default_clock.get(seq, 6))
            if ts is None:
                problems.append(f'packet {idx}: track event without timestamp')
                continue
            if clk == 64:
                if seq not in clock:
                    problems.append(f'packet {idx}: delta before its clock snapshot')
                    continue
                ts = clock[seq] + ts
                clock[seq] = ts
            elif clk != 6:
                problems.append(f'packet {idx}: timestamp on unknown clock {clk}')
                continue
            clocks[(seq, clk)] += 1
            te = p['track_event'][0]
            names = interned[seq]
            ev = {'type': TYPES.get(one(te, 'type'), one(te, 'type')), 'uuid': one(te, 'track_uuid'),
                  'name': names['event_names'].get(one(te, 'name_iid')),
                  'cat': names['event_categories'].get(one(te, 'category_iids')),
                  'flows': te.get('flow_ids', []), 'term': te.get('terminating_flow_ids', []),
                  'value': one(te, 'counter_value'), 'args': {}}
            if one(te, 'name_iid') is not None and ev['name'] is None:
                problems.append(f'packet {idx}: name iid {one(te, "name_iid")} not interned')
            for da in te.get('debug_annotations', []):
                k = names['debug_annotation_names'].get(one(da, 'name_iid'))
                if k is None:
                    problems.append(f'packet {idx}: annotation name not interned')
                if 'pointer_value' in da:
                    v = '0x%x' % one(da, 'pointer_value')
                elif 'string_value_iid' in da:
                    v = names['debug_annotation_string_values'].get(one(da, 'string_value_iid'))
                elif 'bool_value' in da:
                    v = bool(one(da, 'bool_value'))
                else:
                    v = one(da, 'int_value', one(da, 'uint_value'))
                ev['args'][k] = v
            events.append((ts, idx, ev))
    events.sort(key=lambda e: (e[0], e[1]))

    # Track -> (pid, tid) of the JSON form.
    proc_name = {}
    where = {}
    kinds = {}
    for uuid, td in tracks.items():
        if 'process' in td:
            pr = td['process'][0]
            proc_name[one(pr, 'pid')] = one(pr, 'process_name')
            kinds[uuid] = 'process'
        elif 'thread' in td:
            th = td['thread'][0]
            where[uuid] = (one(th, 'pid'), one(th, 'tid'))
            meta.append({'ph': 'M', 'name': 'thread_name', 'pid': where[uuid][0],
                         'tid': where[uuid][1], 'args': {'name': one(th, 'thread_name')}})
            kinds[uuid] = 'thread'
    # The writer's uuids (export-pftrace.c): number << 3 | kind, kinds 1
    # thread, 2 run/ready, 3 idle task, 4 CPU, 5 lane, 6 process, 7 other
    # (spans, counters); the JSON form's tids of run/ready and idle tracks are
    # 0x40000000 + tid and 0x20000000 + cpu.
    for uuid, td in tracks.items():
        if uuid in kinds:
            continue
        name, parent = one(td, 'name'), one(td, 'parent_uuid')
        k = uuid & 7
        kinds[uuid] = {1: 'thread', 2: 'thread', 3: 'thread', 4: 'cpu', 5: 'lane',
                       6: 'root', 7: 'counter' if 'counter' in td else 'span'}.get(k, '?')
        if kinds[uuid] == 'root':
            proc_name[uuid >> 3] = name
        elif kinds[uuid] == 'cpu':
            where[uuid] = (CPU_PID, int(name.split()[1]))
        elif kinds[uuid] == 'thread':
            pd = tracks.get(parent, {})
            where[uuid] = (one(pd['process'][0], 'pid') if 'process' in pd else 0,
                           (uuid >> 3) + (0x40000000 if k == 2 else 0x20000000))
        if kinds[uuid] in ('thread', 'cpu'):
            meta.append({'ph': 'M', 'name': 'thread_name', 'pid': where[uuid][0],
                         'tid': where[uuid][1], 'args': {'name': name}})
    proc_name[CPU_PID] = 'CPUs'
    for pid, name in proc_name.items():
        meta.append({'ph': 'M', 'name': 'process_name', 'pid': pid, 'tid': 0,
                     'args': {'name': name}})

    out = []
    open_lane = collections.defaultdict(list)   # lane uuid -> stack of begin events
    pkt_seq = 0
    pkt_id = {}
    hops = {}
    flow_ends = collections.defaultdict(dict)
    hop_chains = collections.Counter()
    for ts, idx, ev in events:
        kind = kinds.get(ev['uuid'])
        if kind is None:
            problems.append(f'event on undescribed track {ev["uuid"]}')
            continue
        us = ts / 1000
        if kind in ('thread', 'cpu'):
            pid, tid = where[ev['uuid']]
            if ev['type'] == 1:
                out.append({'ph': 'B', 'pid': pid, 'tid': tid, 'ts': us, 'cat': ev['cat'],
                            'name': ev['name'], 'args': ev['args']})
            elif ev['type'] == 2:
                out.append({'ph': 'E', 'pid': pid, 'tid': tid, 'ts': us, 'args': ev['args']})
            elif ev['type'] == 3:
                out.append({'ph': 'X', 'pid': pid, 'tid': tid, 'ts': us, 'dur': 0.001,
                            'cat': ev['cat'], 'name': ev['name'], 'args': ev['args']})
                for f in ev['flows']:
                    flow_ends[f]['s'] = {'ph': 's', 'pid': pid, 'tid': tid, 'ts': us,
                                         'cat': 'upcall', 'name': 'upcall', 'id': hex(f)}
                for f in ev['term']:
                    flow_ends[f]['f'] = {'ph': 'f', 'pid': pid, 'tid': tid, 'ts': us,
                                         'cat': 'upcall', 'name': 'upcall', 'id': hex(f),
                                         'bp': 'e'}
            else:
                problems.append(f'event type {ev["type"]} on a thread track')
        elif kind == 'lane':
            st = open_lane[ev['uuid']]
            if ev['type'] == 1 and not st:
                pkt_seq += 1
                pkt_id[ev['uuid']] = hex(pkt_seq)
                ev['_ts'] = us
                hops[ev['uuid']] = 0
                st.append(ev)
                out.append({'ph': 'b', 'pid': PKT_PID, 'tid': PKT_PID, 'ts': us,
                            'cat': 'packet', 'name': ev['name'], 'id': hex(pkt_seq),
                            'args': ev['args']})
            elif ev['type'] == 1:
                st.append(ev)
                hops[ev['uuid']] += 1
                for f in ev['flows'] + ev['term']:
                    hop_chains[f] += 1
                out.append({'ph': 'n', 'pid': PKT_PID, 'tid': PKT_PID, 'ts': us,
                            'cat': 'packet', 'name': ev['name'], 'id': pkt_id[ev['uuid']],
                            'args': ev['args']})
            elif ev['type'] == 2 and st:
                b = st.pop()
                if st:
                    continue
                if hops[ev['uuid']] == 0:      # two stages: the begin is the first
                    out.append({'ph': 'n', 'pid': PKT_PID, 'tid': PKT_PID, 'ts': b['_ts'],
                                'cat': 'packet', 'name': '?',
                                'id': pkt_id[ev['uuid']], 'args': {}})
                out.append({'ph': 'n', 'pid': PKT_PID, 'tid': PKT_PID, 'ts': us,
                            'cat': 'packet', 'name': '?', 'id': pkt_id[ev['uuid']],
                            'args': {}})
                out.append({'ph': 'e', 'pid': PKT_PID, 'tid': PKT_PID, 'ts': us,
                            'cat': 'packet', 'name': b['name'], 'id': pkt_id[ev['uuid']],
                            'args': ev['args']})
            else:
                problems.append(f'lane {ev["uuid"]}: end without begin at {ts}')
        elif kind == 'counter':
            name = one(tracks[ev['uuid']], 'name')
            if name.startswith('events per ms '):
                out.append({'ph': 'C', 'pid': CNT_PID, 'tid': CNT_PID, 'ts': us,
                            'name': 'events per ms', 'args': {name.split()[-1]: ev['value']}})
            else:
                out.append({'ph': 'C', 'pid': CNT_PID, 'tid': CNT_PID, 'ts': us,
                            'name': name, 'args': {'lost': ev['value']}})
        else:
            problems.append(f'event on a {kind} track')
    for st in open_lane.values():
        if st:
            problems.append('packet slice without end')
    for f, ends in flow_ends.items():
        if 's' in ends and 'f' in ends:
            out += [ends['s'], ends['f']]
        elif 'f' in ends:
            problems.append(f'flow {f} ends without a start')
    proc_name.setdefault(PKT_PID, 'packets')
    meta.append({'ph': 'M', 'name': 'process_name', 'pid': PKT_PID, 'tid': 0,
                 'args': {'name': 'packets'}})
    doc = {'traceEvents': meta + out, 'problems': problems, 'hop_flows': hop_chains,
           'tracks': kinds, 'clocks': clocks}
    return doc
