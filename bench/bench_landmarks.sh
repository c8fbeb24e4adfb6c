#!/usr/bin/env bash
# End-to-end speed of `romcv landmarks` (decode + detector + landmark model + smoothing +
# JSON lines) on a video, in frames per second, with 1 and 2 inference threads. Decoding
# always runs on its own thread, overlapped with inference (capture/capture.c).
# Figures, not a test: run it on a quiet machine and say how quiet it was.
#
#   bench/bench_landmarks.sh [BUILD_DIR] [VIDEO] [RUNS]
#
# BUILD_DIR defaults to build (scripts/setup.sh's Release build).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$here/build"}
video=${2:-"$here/../shared/samples/squat_side.mp4"}
runs=${3:-3}
romcv="$build/romcv"
[ -x "$romcv" ] || { echo "bench_landmarks: $romcv not built (scripts/setup.sh)" >&2; exit 1; }
[ -f "$video" ] || { echo "bench_landmarks: $video: no such file" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

frames=$("$romcv" probe "$video" | sed -n 's/^frames: \([0-9]*\) delivered.*/\1/p')
echo "video: $video ($frames frames); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for model in full lite heavy; do
  for threads in 1 2; do
    best=""
    for _ in $(seq "$runs"); do
      start=$(date +%s.%N)
      "$romcv" landmarks "$video" --model "$model" --threads "$threads" --out "$out/l.jsonl" -q
      end=$(date +%s.%N)
      fps=$(awk -v n="$frames" -v a="$start" -v b="$end" 'BEGIN { print n / (b - a) }')
      best=$(awk -v f="$fps" -v b="${best:-0}" 'BEGIN { print (f > b ? f : b) }')
    done
    printf 'landmarks %-5s threads %d: %7.1f frames/s (best of %d)\n' "$model" "$threads" "$best" "$runs"
  done
done
