#!/usr/bin/env bash
# romcv's second quick-start command: the whole test suite. It first makes sure
# everything is installed (scripts/setup.sh --no-run, fast when nothing is missing), then
# builds with AddressSanitizer and UndefinedBehaviorSanitizer into build-test/ and runs
# every test through CTest. The integration tests read ../shared (samples, references).
#
#   scripts/test.sh [ctest arguments, e.g. -R capture]
#
# Without arguments it also runs each libFuzzer target for 45 seconds (seeded).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh" --no-run

build="$here/build-test"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Sanitize
fi
cmake --build "$build" -j"$(nproc)"

# The parsers of untrusted input (model files, JSON, camera and marker labelling files) under
# libFuzzer for a short, seeded run each: any crash, leak or sanitizer report fails the suite.
# Long runs: scripts/fuzz.sh.
# Skipped when ctest arguments ask for a subset of the tests.
if [ $# -eq 0 ]; then
  "$here/scripts/fuzz.sh" tflite -t 45 -- -seed=1
  "$here/scripts/fuzz.sh" json -t 45 -- -seed=1
  "$here/scripts/fuzz.sh" camera -t 30 -- -seed=1
  "$here/scripts/fuzz.sh" hints -t 25 -- -seed=1
fi

# ASan: report leaks too, fail on the first error. UBSan: abort with a stack trace.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
