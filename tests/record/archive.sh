#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# archive.sh - test of `ovsperf-probe archive` without root: packs the
# synthetic recording written by test-pdata-writer with the symbols of two
# binaries (one under a path too long for a plain ustar name), unpacks it
# with tar and checks every member against its source: the perf.data bytes,
# the --kallsyms given (/proc/kallsyms), uname, os-release, the symbol tables
# (symbols and build ids agree with readelf) and the MANIFEST.  Without
# --kallsyms, this recording (no kernel MMAP, no kernel build-id: it does not
# say which boot it is) gets no kallsyms, with a warning.  Also checks the
# errors: a missing recording fails and leaves no output file.
#
# Usage: archive.sh OVSPERF_PROBE RECORDING WORKDIR BINARY
set -u

probe=$1
data=$2
work=$3
bin=$4
fail=0

bad() { echo "FAIL: $*"; fail=1; }
command -v zstd >/dev/null || tar --zstd --version >/dev/null 2>&1 || { echo "SKIP: no zstd"; exit 77; }
[ -f "$data" ] || { echo "FAIL: $data missing (test-pdata-writer runs first)"; exit 1; }

rm -rf "$work" && mkdir -p "$work/x"
# A copy of the binary under a path of more than 100 characters.
long="$work/a-rather-long-directory-name-for-the-archive-test/another-long-directory-level-here/and-one-more"
mkdir -p "$long" && cp "$bin" "$long/prog-copy"

"$probe" archive "$data" -o "$work/nok.tar.zst" 2> "$work/err0" || bad "archive failed"
grep -q "does not say which boot it is.*/proc/kallsyms and /proc/modules not stored" \
	"$work/err0" || bad "no warning about kallsyms: $(cat "$work/err0")"
tar --zstd -tf "$work/nok.tar.zst" | grep -qx kallsyms && bad "kallsyms of an unknown boot stored"
"$probe" archive "$data" -o "$work/a.tar.zst" --binary "$bin" --binary "$long/prog-copy" \
	--kallsyms /proc/kallsyms 2> "$work/err" || bad "archive failed: $(cat "$work/err")"
tar --zstd -xf "$work/a.tar.zst" -C "$work/x" || bad "tar cannot unpack the archive"
cmp -s "$work/x/perf.data" "$data" || bad "perf.data differs"
cmp -s "$work/x/kallsyms" <(cat /proc/kallsyms) || bad "kallsyms differs"
[ -f /etc/os-release ] && { cmp -s "$work/x/os-release" /etc/os-release || bad "os-release differs"; }
[ "$(cat "$work/x/uname")" = "$(uname -snrvm)" ] || bad "uname differs"

check_syms() {	# check_syms PATH SYMFILE
	local path=$1 syms=$2 id
	[ -f "$syms" ] || { bad "no $syms"; return; }
	grep -qx "# path: $path" "$syms" || bad "$syms: wrong path line"
	id=$(readelf -n "$path" | awk '/Build ID:/ { print $3 }')
	grep -qx "# build-id: $id" "$syms" || bad "$syms: build id is not $id"
	# Every function symbol readelf lists (value != 0, defined) is there.
	readelf -sW "$path" | awk '$4 == "FUNC" && $7 != "UND" && $2 !~ /^0+$/ {
		sub(/@.*/, "", $8); print $8 }' | sort -u > "$work/want.txt"
	awk '!/^#/ && ($3 == "T" || $3 == "t") { print $4 }' "$syms" | sort -u > "$work/got.txt"
	[ -s "$work/want.txt" ] || bad "readelf lists no functions in $path"
	comm -23 "$work/want.txt" "$work/got.txt" | head -3 | while read -r f; do
		bad "$syms lacks function $f"
	done
	grep -q " [Tt] main$" "$syms" || bad "$syms lacks main"
}
short="$work/x/symbols/$(echo "${bin#/}" | tr / _).syms"
check_syms "$bin" "$short"
longsyms=$(ls "$work/x/symbols/" | grep "prog-copy.syms$")
[ -n "$longsyms" ] && [ ${#longsyms} -le 100 ] || bad "long path member name: '$longsyms'"
check_syms "$long/prog-copy" "$work/x/symbols/$longsyms"

m=$work/x/MANIFEST
grep -qx "ovsperf-archive: 1" "$m" || bad "MANIFEST: no format line"
grep -qx "source: $data" "$m" || bad "MANIFEST: no source line"
for f in perf.data kallsyms os-release uname "symbols/$longsyms"; do
	size=$(stat -c %s "$work/x/$f")
	grep -q "^file: $f $size " "$m" || bad "MANIFEST: no 'file: $f $size' line"
done

# A missing recording is an error and leaves nothing behind.
"$probe" archive "$work/nonexistent.data" -o "$work/b.tar.zst" 2> "$work/err2" &&
	bad "archive of a missing file succeeded"
grep -q "nonexistent.data" "$work/err2" || bad "error does not name the file"
[ -e "$work/b.tar.zst" ] && bad "failed archive left its output"

[ $fail = 0 ] && echo PASS
exit $fail
