#!/usr/bin/env bash
# Peak memory of one fetch of a gzip bomb (issue 10, item 5).
#
# A loopback server sends a gzip body that decompresses to SIZE bytes (zeros
# by default); the fetcher reads it with max_body_size LIMIT. The program
# prints the fetch outcome and the process's peak RSS (VmHWM). Target: a
# 1 GiB bomb with a 1 GiB cap peaks below 1.6 GB (at most 1.5 x the cap plus
# a constant).
#
# Usage: scripts/bench-fetch-memory.sh [SIZE] [LIMIT] [zeros|rss]
#        (defaults 1073741824 1073741824 zeros; SIZE above LIMIT is refused as too_large)
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-1073741824}"
limit="${2:-1073741824}"
content="${3:-zeros}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/fetchmem" ./internal/feeds/fetchmem
"$tmp/fetchmem" -size "$size" -limit "$limit" -content "$content"
