#!/usr/bin/env bash
# Fetches the BlazePose models from the npm package @mediapipe/pose into a folder
# (default: models/ of this checkout) and checks each file against models/SHA256SUMS.
# Idempotent: files whose sums already match are left alone and nothing is downloaded.
#
#   scripts/fetch-models.sh [DIR]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-"$here/models"}
sums="$here/models/SHA256SUMS"
package="@mediapipe/pose@0.5.1675469404"

die() { echo "fetch-models: $*" >&2; exit 1; }

[ -f "$sums" ] || die "$sums: missing; the pinned sums are part of the repository"
mkdir -p "$dest"

# Every pinned file present with the right sum: nothing to do.
if (cd "$dest" && sha256sum --quiet --check --strict "$sums") >/dev/null 2>&1; then
  echo "fetch-models: $dest: all models present and verified"
  exit 0
fi

command -v npm >/dev/null || die "npm not found (scripts/setup.sh installs it: apt-get install npm)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetch-models: downloading $package"
# Trust the system's certificate store (Debian's ca-certificates), not only the one built
# into Node.js: behind a TLS-inspecting proxy only the system store knows the proxy's CA.
npm_flags=(--silent)
[ -f /etc/ssl/certs/ca-certificates.crt ] && npm_flags+=(--cafile /etc/ssl/certs/ca-certificates.crt)
(cd "$work" && timeout 600 npm pack "${npm_flags[@]}" "$package" >/dev/null) ||
  die "npm pack $package failed (is the npm registry reachable?)"
tar -xzf "$work"/mediapipe-pose-*.tgz -C "$work" || die "cannot unpack the $package tarball"

# The detector ships under a generic name: pose_solution_packed_assets.data is
# byte for byte pose_detection.tflite (inference.md).
declare -A source_of=(
  [pose_detection.tflite]=pose_solution_packed_assets.data
  [pose_landmark_lite.tflite]=pose_landmark_lite.tflite
  [pose_landmark_full.tflite]=pose_landmark_full.tflite
  [pose_landmark_heavy.tflite]=pose_landmark_heavy.tflite
)
while read -r sum name; do
  [ -n "$name" ] || continue
  src="$work/package/${source_of[$name]:-$name}"
  [ -f "$src" ] || die "$package has no ${source_of[$name]:-$name} (for $name)"
  actual=$(sha256sum "$src" | cut -d' ' -f1)
  [ "$actual" = "$sum" ] || die "$name: SHA-256 mismatch (expected $sum, got $actual); refusing it"
  # Into place atomically: a half-copied model never carries the final name.
  install -m 0644 "$src" "$dest/.$name.tmp"
  mv -f "$dest/.$name.tmp" "$dest/$name"
  echo "fetch-models: $name ok ($sum)"
done < "$sums"
