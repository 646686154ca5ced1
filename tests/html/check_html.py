#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks of ovsperf-analyze --html on a real recording.

usage: check_html.py ANALYZE RECORDING OUTDIR [REPORT] [analyze args...]

1. stdout (text and --json) is the same with and without --html;
2. the HTML is well formed (every non-void tag closed, in order), has no
   external resource (no script src, link, src=, url(), http(s) href; inline
   scripts only: the chart library and the code that draws with it);
3. it shows the JSON model: one <h2> per report, one histogram <svg> per
   "histogram"-like array of the JSON document, the hostname, kernel-delay
   thread names in the per-thread bars; per latency span with blame items a
   bar chart (svg.blame) whose bars carry the items' ns and share, and the
   card's "where the tail's time went" line; per span with a timeline a
   latency-over-time plot (div.timeline) whose series are the buckets'
   count, p50_ns, p99_ns and max_ns, its x the buckets' start (UTC seconds
   from start_utc, else seconds since the first bucket);
4. headless chromium renders it to a PNG that is not blank (many colors,
   a good share of non-white pixels).  Exit 77 (skip) without chromium.
"""
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

VOID = {"meta", "br", "hr", "img", "input", "link", "rect", "line", "polyline",
        "circle", "path", "col", "wbr"}


class Checker(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []
        self.errors = []
        self.tags = {}
        self.h2 = []
        self.in_h2 = False
        self.svg_hist = 0
        self.kdbars_text = []
        self.in_kdbars = 0
        self.blame = []         # per svg.blame: [(ns, share)]
        self.timelines = []     # data-series of each div.timeline

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag in ("link", "iframe", "img", "object", "embed"):
            self.errors.append("external-capable tag <%s>" % tag)
        if tag == "script" and ("src" in a or a.get("type") not in (None, "text/javascript")):
            self.errors.append("script that is not inline code")
        for k, v in attrs:
            if k == "href" and v and v.startswith("#"):
                continue        # a link within the page (first screen -> details)
            if k in ("src", "href") or (v and "url(" in v):
                self.errors.append("resource attribute %s=%r" % (k, v))
        if tag == "svg" and a.get("data-hist") is not None:
            self.svg_hist += 1
        if tag == "svg" and a.get("class") == "blame":
            self.blame.append([])
        if tag == "rect" and a.get("data-ns") is not None and self.blame:
            self.blame[-1].append((float(a["data-ns"]), float(a["data-share"])))
        if tag == "div" and a.get("class") == "timeline":
            self.timelines.append((a.get("data-utc"), json.loads(a["data-series"])))
        if tag == "svg" and a.get("class") == "kdbars":
            self.in_kdbars += 1
        if tag == "h2":
            self.in_h2 = True
            self.h2.append("")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()
        if tag == "h2":
            self.in_h2 = False
        if tag == "svg" and self.in_kdbars:
            self.in_kdbars -= 1

    def handle_data(self, data):
        if self.in_h2:
            self.h2[-1] += data
        if self.in_kdbars:
            self.kdbars_text.append(data)


def is_hist(v):
    if not isinstance(v, list) or not v or not all(isinstance(b, dict) for b in v):
        return False
    keys = set(v[0])
    if "count" not in keys:
        return False
    rest = keys - {"count"}
    return (rest == {"size"} or
            (len(rest) == 2 and any(k.startswith("lo_") for k in rest) and
             any(k.startswith("hi_") for k in rest)))


def count_hists(o, key=None):
    n = 0
    if isinstance(o, dict):
        for k, v in o.items():
            n += count_hists(v, k)
    elif isinstance(o, list):
        if is_hist(o):
            return 1
        if key == "histogram":
            return 1          # empty histogram: an empty chart
        for i, v in enumerate(o):
            if i >= 40:       # HTML_MAX_SECTIONS: the rest is left to --json
                break
            n += count_hists(v)
    return n


def kd_thread_names(o, out):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "threads" and isinstance(v, list) and v and isinstance(v[0], dict) \
                    and "run" in v[0] and "ready" in v[0]:
                out.extend(t["name"] for t in v[:60])
            else:
                kd_thread_names(v, out)
    elif isinstance(o, list):
        for v in o[:40]:
            kd_thread_names(v, out)


def utc_seconds(s):
    import datetime
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def check_latency(doc, p, page):
    """Blame charts and latency-over-time plots against the JSON's numbers."""
    spans = (doc["reports"].get("latency") or {}).get("spans") or []
    blamed = [s["blame"] for s in spans[:40] if s.get("blame") and s["blame"]["items"]]
    assert len(p.blame) == len(blamed), \
        "%d blame charts, %d spans with blame items" % (len(p.blame), len(blamed))
    for bars, b in zip(p.blame, blamed):
        want = [(float(i["ns"]), float(i["share"])) for i in b["items"][:20]]
        assert bars == want, "blame bars %s, JSON %s" % (bars[:3], want[:3])
    assert page.count("where the tail's time went (") == \
        len([s for s in spans[:4] if s.get("blame") and s["blame"]["items"]]), \
        "blame missing on a latency card"
    tls = [s for s in spans[:40] if s.get("timeline")]
    assert len(p.timelines) == len(tls), \
        "%d time plots, %d spans with a timeline" % (len(p.timelines), len(tls))
    for (utc, got), s in zip(p.timelines, tls):
        tl = s["timeline"]
        for k in ("count", "p50_ns", "p99_ns", "max_ns"):
            assert got[k] == [b[k] for b in tl], "time plot %s %s, JSON %s" % (k, got[k], tl)
        if all(b.get("start_utc") for b in tl):
            assert utc == "1"
            want = [utc_seconds(b["start_utc"]) for b in tl]
        else:
            assert utc == "0"
            want = [(b["start_ns"] - tl[0]["start_ns"]) / 1e9 for b in tl]
        assert all(abs(a - b) < 1e-6 for a, b in zip(got["x"], want)), (got["x"], want)
        assert "<svg class=\"tlsvg\"" in page or "uPlot" in page, "time plot not drawn"
    return len(p.blame), len(p.timelines)


def png_pixels(path):
    """Decode an 8-bit RGB/RGBA non-interlaced PNG; return (w, h, rows)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", None
    while pos < len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and not interlace, (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    analyze, rec, outdir = sys.argv[1:4]
    extra = sys.argv[4:]
    os.makedirs(outdir, exist_ok=True)
    base = os.path.join(outdir, os.path.basename(rec))
    out_html = base + ".html"
    # A report name first ("latency --interval 0.001"): before the options.
    cmd = extra[:1] if extra and not extra[0].startswith("-") else []
    args = [analyze] + cmd + ["-q", "-r", rec] + extra[len(cmd):]

    text = subprocess.run(args, capture_output=True, check=True).stdout
    text_h = subprocess.run(args + ["--html", out_html], capture_output=True, check=True).stdout
    assert text == text_h, "text output changes with --html"
    os.unlink(out_html)
    js = subprocess.run(args + ["--json"], capture_output=True, check=True).stdout
    js_h = subprocess.run(args + ["--json", "--html", out_html], capture_output=True,
                          check=True).stdout
    assert js == js_h, "JSON output changes with --html"
    doc = json.loads(js)

    page = open(out_html, encoding="utf-8").read()
    p = Checker()
    p.feed(page)
    p.close()
    assert not p.errors, p.errors[:5]
    assert not p.stack, "unclosed tags: %s" % p.stack[-5:]
    assert page.startswith("<!DOCTYPE html>")
    # Inline scripts (the chart library, whose licence notice names its home
    # page) are code, not resources: addresses are looked for outside them.
    outside = re.sub(r"<script>.*?</script>", "", page, flags=re.S)
    assert "http://" not in outside.replace('xmlns="http://www.w3.org/2000/svg"', ""), \
        "a network address in the page"
    assert "https://" not in outside
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert not any(re.search(r"\b(fetch|XMLHttpRequest|import)\s*\(", s) for s in scripts[1:]), \
        "the page's own script loads something"
    reports = list(doc["reports"])
    assert reports, "no report in the JSON"
    for r in reports:
        assert r in p.h2, "report %s has no section (h2: %s)" % (r, p.h2)
    want = count_hists(doc)
    assert p.svg_hist == want, "%d histogram charts, %d histograms in the JSON" % (p.svg_hist, want)
    host = doc["recording"].get("hostname")
    if host:
        assert host in page
    names = []
    kd_thread_names(doc, names)
    bars = "".join(p.kdbars_text)
    for n in names:
        assert n in bars, "thread %s missing from the kernel-delay bars" % n
    nb, nt = check_latency(doc, p, page)
    print("%s: %d blame charts, %d latency-over-time plots" % (rec, nb, nt))
    print("%s: %d reports, %d histogram charts, %d kernel-delay thread bars, %d bytes"
          % (rec, len(reports), p.svg_hist, len(names), len(page)))

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("SKIP: chromium is not installed (apt-get install chromium)")
        return 77
    png = base + ".png"
    prof = tempfile.mkdtemp()
    try:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--user-data-dir=" + prof,
                        "--screenshot=" + png, "--window-size=1200,2000",
                        "file://" + os.path.abspath(out_html)],
                       capture_output=True, timeout=120, check=True)
    finally:
        shutil.rmtree(prof, ignore_errors=True)
    w, h, bpp, rows = png_pixels(png)
    colors, ink, blue = set(), 0, 0
    for row in rows[::4]:
        for x in range(0, w * bpp, 4 * bpp):
            px = row[x:x + 3]
            colors.add(px)
            if px != b"\xff\xff\xff":
                ink += 1
            if px == b"\x2a\x6f\xb0":    # the headings' and bars' blue
                blue += 1
    total = len(rows[::4]) * len(range(0, w * bpp, 4 * bpp))
    print("screenshot %s: %dx%d, %d colors, %.1f%% non-white, %d blue samples"
          % (png, w, h, len(colors), 100.0 * ink / total, blue))
    assert len(colors) > 20, "screenshot has %d colors: blank?" % len(colors)
    assert ink > total * 0.03, "screenshot is almost white"
    assert blue > 100, "no heading or bar drawn"
    return 0


if __name__ == "__main__":
    sys.exit(main())
