#!/usr/bin/env bash
# setup.sh — installs what vm-run.sh and the OVS recordings need (Debian 12, root).
#   scripts/vmrig/setup.sh                  vm-run.sh + OVS lab + perf, Debian's 6.1 kernel
#   scripts/vmrig/setup.sh --ovs-usdt       also what build-ovs-usdt.sh needs
#   scripts/vmrig/setup.sh --kernel K       also kernel K: 6.1 (installed as linux-image-amd64),
#                                           6.12 or 6.12-rt (Debian 12's linux-image-6.12.*[-rt]-amd64-unsigned
#                                           from the security archive, unpacked under the cache)
#   scripts/vmrig/setup.sh --kernel-dir K   print the unpacked kernel K's directory (nothing installed;
#                                           exit 1 when it is not there)
# The 6.12 kernels are never installed into the system: `apt-get download` +
# `dpkg-deb -x` into $OVSPERF_CACHE/kernels/<package>/ (default ~/.cache/ovsperf),
# `depmod -b` there, and $OVSPERF_CACHE/kernels/K -> <package> names the one in use.
# vm-run.sh --kernel K boots it with its own /lib/modules.
set -euo pipefail
cache=${OVSPERF_CACHE:-$HOME/.cache/ovsperf}/kernels
usdt=0 kernels=() print=
while [ $# -gt 0 ]; do
	case "$1" in
	--ovs-usdt) usdt=1; shift ;;
	--kernel) kernels+=("${2:?--kernel needs 6.1, 6.12 or 6.12-rt}"); shift 2 ;;
	--kernel-dir) print=${2:?--kernel-dir needs 6.12 or 6.12-rt}; shift 2 ;;
	-h|--help) sed -n '2,14p' "$0"; exit 0 ;;
	*) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

if [ -n "$print" ]; then
	d=$(readlink -f "$cache/$print" 2>/dev/null || true)
	[ -n "$d" ] && ls "$d"/boot/vmlinuz-* >/dev/null 2>&1 || exit 1
	echo "$d"
	exit 0
fi

pkgs=(linux-image-amd64 qemu-system-x86 busybox-static kmod cpio
      linux-perf openvswitch-switch iproute2 iputils-ping python3 xz-utils zstd)
[ $usdt = 1 ] && pkgs+=(openvswitch-source systemtap-sdt-dev libssl-dev gcc make)
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}"

for k in "${kernels[@]}"; do
	case "$k" in
	6.1) continue ;;
	6.12) re='^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
	6.12-rt) re='^linux-image-6\.12\.[0-9]+\+deb12-rt-amd64-unsigned$' ;;
	*) echo "setup.sh: unknown kernel '$k' (6.1, 6.12 or 6.12-rt)" >&2; exit 2 ;;
	esac
	pkg=$(apt-cache search --names-only "$re" | awk '{print $1}' | sort -V | tail -n 1)
	[ -n "$pkg" ] || { echo "setup.sh: no package matches $re (is bookworm-security in the apt sources?)" >&2; exit 1; }
	dir=$cache/$pkg
	if ! ls "$dir"/boot/vmlinuz-* >/dev/null 2>&1; then
		mkdir -p "$cache/debs"
		deb=$(ls "$cache/debs/${pkg}_"*.deb 2>/dev/null | tail -n 1 || true)
		if [ -z "$deb" ]; then
			(cd "$cache/debs" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
			deb=$(ls "$cache/debs/${pkg}_"*.deb 2>/dev/null | tail -n 1 || true)
			[ -n "$deb" ] || { echo "setup.sh: apt-get download $pkg failed" >&2; exit 1; }
		fi
		rm -rf "$dir.tmp"
		dpkg-deb -x "$deb" "$dir.tmp"
		kver=$(ls "$dir.tmp/lib/modules")
		depmod -b "$dir.tmp" "$kver"
		mv "$dir.tmp" "$dir"
		rm -f "$deb"	# the unpacked tree is what is used
	fi
	ln -sfn "$pkg" "$cache/$k"
	echo "kernel $k: $(ls "$dir"/boot/vmlinuz-*) (modules in $dir/lib/modules)"
done
echo "kernel 6.1: $(ls /boot/vmlinuz-6.1* | tr '\n' ' ')"
