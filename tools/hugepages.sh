#!/bin/sh
# tools/hugepages.sh [N] [SIZE_KB]: reserve N hugepages (default 1024) of
# SIZE_KB kB (default 2048) and mount hugetlbfs on /dev/hugepages, for the
# DPDK io-backend on real hardware. Idempotent: running it again only
# changes the count. Needs root. (The tests never need it: they run EAL
# with --no-huge.)
set -eu
n=${1:-1024}
size=${2:-2048}
case $n in *[!0-9]*|'') echo "usage: $0 [pages] [size-kB]" >&2; exit 2;; esac
dir=/sys/kernel/mm/hugepages/hugepages-${size}kB
if [ ! -d "$dir" ]; then
	echo "this kernel has no ${size} kB hugepages (see /sys/kernel/mm/hugepages)" >&2
	exit 1
fi
echo "$n" > "$dir/nr_hugepages"
got=$(cat "$dir/nr_hugepages")
if [ "$got" -lt "$n" ]; then
	echo "asked for $n hugepages of $size kB, the kernel gave $got (memory fragmented? reboot or reserve at boot with hugepages=$n)" >&2
fi
mkdir -p /dev/hugepages
if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	mount -t hugetlbfs -o pagesize=${size}K nodev /dev/hugepages
fi
echo "$got hugepages of $size kB reserved, hugetlbfs mounted on /dev/hugepages"
