#!/usr/bin/env bash
# romcv's first quick-start command: on a fresh Debian 12 machine it installs every
# package romcv needs, fetches and verifies the models, builds romcv (Release) and runs
# the main job, `romcv demo`: the built-in digital phantom analysed end to end.
#
#   scripts/setup.sh [--no-run]
#
# Run it as root or as a user with sudo. It is idempotent: a second run finds the
# packages installed, the models verified and the build up to date, and does nothing slow.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
run_main_job=1
[ "${1:-}" = "--no-run" ] && run_main_job=0

# Debian 12 package names. Build: compiler, CMake, pkg-config. Libraries: OpenCV 4.6,
# libv4l2, FFmpeg, XNNPACK + pthreadpool, Check. Tools: ffmpeg/ffprobe (tests make
# clips with them), npm (fetches the models), clang and its sanitizer and libFuzzer
# runtimes (fuzzing), clang-format; locales (a test reads JSON under a decimal-comma locale);
# the arm64 cross compiler and qemu-user (the NEON kernels are built and checked against the
# scalar reference under emulation); chromium (the HTML report is tested in a real browser);
# python3-jsonschema (an independent validator for the JSON summary's schema).
packages=(
  build-essential cmake pkg-config git ca-certificates
  libopencv-dev libv4l-dev v4l-utils
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg
  libxnnpack-dev libpthreadpool-dev libcpuinfo-dev
  check locales
  clang clang-format libclang-rt-14-dev
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  chromium python3 python3-jsonschema
)
# npm comes with Debian's nodejs unless the machine already has a node toolchain.
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root (no sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages already installed"
fi

"$here/scripts/fetch-models.sh"

build="$here/build"
if [ ! -f "$build/CMakeCache.txt" ]; then
  # The tests have their own sanitizer build (scripts/test.sh); this one is the tool.
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DROMCV_BUILD_TESTS=OFF
fi
cmake --build "$build" -j"$(nproc)"

if [ "$run_main_job" = 1 ]; then
  echo "setup: running the main job: build/romcv demo --out $here/out"
  "$build/romcv" demo --out "$here/out"
fi
