#!/usr/bin/env bash
# Scoring throughput against a grep floor (issue 3, "Speed").
#
# Writes the benchmark corpus (several MB generated from the scorer's own test
# articles) and every lexicon/gazetteer pattern to a temp dir, times
#   LC_ALL=C grep -o -F -i -w -f terms corpus | wc -l
# (bare multi-term matching, every match counted), runs BenchmarkScore on one
# core, and prints both throughputs and their ratio. The scorer's throughput
# is given per wall-clock second and per CPU second of the process: on a
# shared machine the first measures the neighbours too.
#
# Usage: scripts/bench-scoring.sh [benchtime]   (default 5s)
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime="${1:-5s}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

BENCH_CORPUS_DIR="$tmp" go test ./internal/scoring -run '^TestWriteBenchCorpus$' -count=1 >/dev/null
bytes=$(wc -c <"$tmp/corpus.txt")
nterms=$(wc -l <"$tmp/terms.txt")

# grep: best of three runs (the first warms the page cache).
best=""
for _ in 1 2 3; do
	start=$(date +%s.%N)
	matches=$(LC_ALL=C grep -o -F -i -w -f "$tmp/terms.txt" "$tmp/corpus.txt" | wc -l)
	end=$(date +%s.%N)
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')
	if [ -z "$best" ] || awk -v s="$secs" -v b="$best" 'BEGIN { exit !(s < b) }'; then best=$secs; fi
done
grep_mbs=$(awk -v n="$bytes" -v s="$best" 'BEGIN { printf "%.1f", n / s / 1e6 }')

out=$(go test ./internal/scoring -run '^$' -bench '^BenchmarkScore$' -cpu 1 -benchmem -benchtime "$benchtime" -count=1)
line=$(printf '%s\n' "$out" | grep '^BenchmarkScore')
go_mbs=$(printf '%s\n' "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i == "MB/s") print $(i-1) }')
cpu_mbs=$(printf '%s\n' "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i == "cpu-MB/s") print $(i-1) }')
arts=$(printf '%s\n' "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i == "articles/s") print $(i-1) }')
allocs=$(printf '%s\n' "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i == "allocs/op") print $(i-1) }')
ratio=$(awk -v g="$grep_mbs" -v s="$go_mbs" 'BEGIN { printf "%.2f", g / s }')

printf 'corpus            %d bytes, %d patterns\n' "$bytes" "$nterms"
printf 'grep -o -F -i -w  %s MB/s  (%s matches, %.3f s)\n' "$grep_mbs" "$matches" "$best"
printf 'scorer (1 core)   %s MB/s  %s articles/s  %s allocs/article\n' "$go_mbs" "$arts" "$allocs"
printf 'scorer per CPU s  %s MB/s  (process CPU time; wall-clock MB/s drops when other work shares the cores)\n' "$cpu_mbs"
printf 'grep/scorer       %sx  (target: scorer >= 40 MB/s on one core, issue 8; within 4x of grep)\n' "$ratio"
