#!/bin/sh
# tests/metrics/checkasm_neon.sh: the NEON angle kernels against the scalar reference on an
# x86-64 machine. Cross-compiles tests/metrics/checkasm.c with the scalar kernels
# (metrics/dsp.c), the arm64 CPU detection (metrics/arm/cpu.c) and the NEON kernels
# (metrics/arm/angle_neon.c) into one static arm64 program and runs it under qemu-aarch64
# with --require=neon, so a NEON level that was skipped fails instead of passing.
#
#   checkasm_neon.sh CROSS_CC QEMU SOURCE_DIR WORK_DIR [checkasm arguments, e.g. --seed=N]
#
# tests/metrics/CMakeLists.txt registers it as the CTest checkasm_neon. It compiles at test
# time, not build time, so a missing or failing cross compiler fails this one test and
# never the build everyone shares; and every run tests the sources as they are now.
set -eu

if [ $# -lt 4 ]; then
    echo "usage: $0 CROSS_CC QEMU SOURCE_DIR WORK_DIR [checkasm arguments]" >&2
    exit 2
fi
cross_cc=$1
qemu=$2
src=$3
work=$4
shift 4

# CMake passes what find_program() found, or NAME-NOTFOUND. scripts/setup.sh installs both
# tools, so their absence is a broken setup, reported as a failure rather than a skip.
missing=""
[ -x "$cross_cc" ] || missing="$missing aarch64-linux-gnu-gcc (Debian: gcc-aarch64-linux-gnu, libc6-dev-arm64-cross)"
[ -x "$qemu" ] || missing="$missing qemu-aarch64 (Debian: qemu-user)"
if [ -n "$missing" ]; then
    echo "checkasm_neon: FAIL: not found when CMake configured this build:$missing." >&2
    echo "checkasm_neon: run scripts/setup.sh (it installs them), then re-run cmake; or" \
        "configure with -DROMCV_TEST_NEON_QEMU=OFF to leave NEON untested on purpose." >&2
    exit 1
fi

mkdir -p "$work"
# romcv's own flags (CMakeLists.txt: C17, _DEFAULT_SOURCE; cmake/RomcvWarnings.cmake: the
# warnings) and -ffp-contract=off, which metrics/CMakeLists.txt gives dsp.c and
# angle_neon.c: the validity tests depend on unfused products (metrics/dsp.c). No
# sanitizers: the cross toolchain has no ASan runtime, and this test is about the
# arithmetic; the native checkasm runs the same harness under ASan and UBSan.
# -static: the program runs under qemu-aarch64 without an arm64 dynamic loader.
"$cross_cc" -std=c17 -D_DEFAULT_SOURCE -O2 -g \
    -Wall -Wextra -Werror -Wstrict-prototypes -Werror=missing-prototypes -Werror=vla \
    -Wshadow -Wformat=2 -Wno-unused-parameter \
    -ffp-contract=off -static \
    -I"$src" -I"$src/include" \
    "$src/metrics/dsp.c" "$src/metrics/arm/cpu.c" "$src/metrics/arm/angle_neon.c" \
    "$src/tests/metrics/checkasm.c" \
    -lm -o "$work/checkasm_neon"

exec "$qemu" "$work/checkasm_neon" --require=neon "$@"
