#!/bin/sh
# scripts/fuzz.sh: builds the libFuzzer targets with clang in build-fuzz/ and
# fuzzes one of them: the TFLite reader (tflite, the default), the JSON
# reader and writer (json), camera files (camera) or marker labelling files
# (hints).
#
#   scripts/fuzz.sh [tflite|json|camera|hints] [-t SECONDS] [-r RUNS] [-- extra libFuzzer flags]
#
# Defaults: 600 seconds, no run limit. The corpus lives in build-fuzz/corpus
# (never in the repository): small synthetic models from tflite_corpus, the
# detector and the lite landmark model from models/, and truncated copies of
# the detector. Crashes land in build-fuzz/crashes/; each one becomes a
# regression input in tests/vision/test_tflite.c. libFuzzer prints the run
# count ("Done N runs in S second(s)") at the end.
# json: the corpus (build-fuzz/corpus-json) starts from the first lines of the
# MediaPipe references in ../shared and a few hand-written documents, with
# fuzz/json.dict; crashes land in build-fuzz/crashes/json-*, and each becomes
# a case in tests/core/test_json.c.
# hints: labelling files (--marker-labels); the corpus (build-fuzz/corpus-hints)
# starts from the documented example and a few hand-written files, with
# fuzz/json.dict; crashes land in build-fuzz/crashes/hints-*, and each becomes
# a case in tests/vision/test_marker_hints.c.
set -eu

target=tflite
case "${1:-}" in
tflite|json|camera|hints) target="$1"; shift ;;
esac

seconds=600
runs=-1
while [ $# -gt 0 ]; do
    case "$1" in
    -t) seconds="$2"; shift 2 ;;
    -r) runs="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [tflite|json|camera|hints] [-t SECONDS] [-r RUNS] [-- libFuzzer flags]" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug \
    -DROMCV_BUILD_FUZZ=ON -DROMCV_BUILD_TESTS=OFF -DROMCV_BUILD_BENCH=OFF \
    -DROMCV_WITH_XNNPACK=OFF >/dev/null

if [ "$target" = json ]; then
    cmake --build "$build" --target fuzz_json -j2
    corpus="$build/corpus-json"
    mkdir -p "$corpus" "$build/crashes"
    shared="$root/../shared/reference"
    for f in "$shared"/*.jsonl; do
        [ -f "$f" ] || continue
        head -n 1 "$f" >"$corpus/$(basename "$f" .jsonl).line1.json"
    done
    printf '{"fx": 1000.5, "fy": 1000.5, "cx": 304, "cy": 540, "k": [0.1, -0.2, 0, 0, 0]}' \
        >"$corpus/camera.json"
    printf '["\\u00e9\\ud83d\\ude00\\"\\\\", -0, 5e-324, 1E+308, true, false, null, {}, []]' \
        >"$corpus/scalars.json"
    cd "$build"
    exec "$build/fuzz/fuzz_json" -max_total_time="$seconds" -runs="$runs" \
        -dict="$root/fuzz/json.dict" -artifact_prefix="$build/crashes/json-" \
        -print_final_stats=1 "$@" "$corpus"
fi

if [ "$target" = camera ]; then
    cmake --build "$build" --target fuzz_camera -j2
    corpus="$build/corpus-camera"
    mkdir -p "$corpus" "$build/crashes"
    # The documented example (docs/camera-file.md) and an ideal camera.
    sed -n '/^```json$/,/^```$/p' "$root/docs/camera-file.md" | sed '1d;$d' >"$corpus/example.json"
    printf '{"format": "romcv-camera", "version": 1, "image": {"width": 640, "height": 480}, "intrinsics": {"fx": 500, "fy": 500, "cx": 319.5, "cy": 239.5}}' \
        >"$corpus/ideal.json"
    cd "$build"
    exec "$build/fuzz/fuzz_camera" -max_total_time="$seconds" -runs="$runs" \
        -dict="$root/fuzz/json.dict" -artifact_prefix="$build/crashes/camera-" \
        -print_final_stats=1 "$@" "$corpus"
fi

if [ "$target" = hints ]; then
    cmake --build "$build" --target fuzz_marker_hints -j2
    corpus="$build/corpus-hints"
    mkdir -p "$corpus" "$build/crashes"
    # The documented example (docs/markers.md, "Labelling file"), every name,
    # and files the parser must refuse with a line and column.
    awk '/^\*\*Labelling file\*\*/ {on = 1} on && /^```json$/ {grab = 1; next}
         grab && /^```$/ {exit} grab {print}' "$root/docs/markers.md" >"$corpus/example.json"
    printf '{"asis_left": [1, 2], "asis_right": [3.5, 4e2], "psis_left": [-1, 0], "psis_right": [0, -0], "t12": [1e30, 2], "l3": [5, 6], "s1": [7, 8]}' \
        >"$corpus/every.json"
    printf '{"s1": [300, 198.75], "s1": [1, 2]}' >"$corpus/twice.json"
    printf '{"navel": [3, 4]}' >"$corpus/unknown.json"
    printf '{"t12": [1, "2"], "l3": [1]}' >"$corpus/bad.json"
    cd "$build"
    exec "$build/fuzz/fuzz_marker_hints" -max_total_time="$seconds" -runs="$runs" \
        -dict="$root/fuzz/json.dict" -artifact_prefix="$build/crashes/hints-" \
        -print_final_stats=1 "$@" "$corpus"
fi

cmake --build "$build" --target fuzz_tflite tflite_corpus -j2

corpus="$build/corpus"
mkdir -p "$corpus" "$build/crashes"
"$build/fuzz/tflite_corpus" "$corpus"
models="$root/models"
for m in pose_detection.tflite pose_landmark_lite.tflite; do
    if [ -f "$models/$m" ]; then
        cp "$models/$m" "$corpus/$m"
    else
        echo "fuzz.sh: $models/$m missing (scripts/fetch-models.sh); fuzzing without it" >&2
    fi
done
if [ -f "$models/pose_detection.tflite" ]; then
    for n in 64 4096 65536 262144; do
        head -c "$n" "$models/pose_detection.tflite" >"$corpus/pose_detection_head$n.tflite"
    done
fi

cd "$build"
exec "$build/fuzz/fuzz_tflite" -max_total_time="$seconds" -runs="$runs" \
    -artifact_prefix="$build/crashes/" -print_final_stats=1 "$@" "$corpus"
