#!/bin/sh
# tests/report/html_chromium.sh: report.html in a real browser (issue 8).
#
# usage: html_chromium.sh ROMCV OUT_DIR [CHROMIUM]
#
# 1. `romcv analyze builtin:phantom --protocol seated-hip-rotation` writes
#    report.html; headless Chromium renders it to OUT_DIR/phantom/report.png
#    (a screenshot written by every run, to look at), must log nothing on
#    its console (the report has no script, so any console line is a
#    Content-Security-Policy violation or an error), and its DOM must hold
#    the results table, the plots and the escaped patient name.
# 2. The built-in phantom does nothing a compensation flag catches, so a
#    short phantom clip with a pelvic lift is rendered to H.264 and analysed
#    too: its report must embed stills, and the first still must show the
#    video frame its caption names (PSNR against that frame decoded by the
#    ffmpeg tool, better than against a frame a second earlier).
# 3. The console check must be able to fail: a page that loads an image from
#    the network must produce a console line.
#
# Chromium runs as root in CI (--no-sandbox), without a display (--headless),
# with a private profile and HOME in OUT_DIR, and under a timeout. The
# `--model lite` runs keep the test short; the report, not the model, is
# under test.
set -eu

romcv=$1
out=$2
chromium=${3:-chromium}

fail() {
    echo "html_chromium: $*" >&2
    exit 1
}

command -v "$chromium" >/dev/null 2>&1 ||
    fail "'$chromium' not found (scripts/setup.sh installs Debian's chromium)"
command -v ffmpeg >/dev/null 2>&1 || fail "ffmpeg not found (scripts/setup.sh installs it)"

rm -rf "$out"
mkdir -p "$out/home"

# Runs Chromium on a file with a bounded time; extra arguments select the mode.
browse() {
    page=$1
    shift
    HOME="$out/home" timeout 120 "$chromium" --headless --disable-gpu --no-sandbox \
        --no-first-run --disable-extensions --disable-sync --hide-scrollbars \
        --user-data-dir="$out/profile" --enable-logging=stderr --v=0 "$@" "file://$page"
}

# Fails unless the page logs nothing to the browser console.
quiet_console() {
    browse "$1" --dump-dom >"$1.dom" 2>"$1.log" || fail "chromium failed on $1 (see $1.log)"
    if grep -q ':CONSOLE' "$1.log"; then
        grep ':CONSOLE' "$1.log" >&2
        fail "$1 logged on the browser console"
    fi
}

# ------------------------------------------------ the built-in phantom

patient='<script>alert("x")</script> Test & Co'
"$romcv" analyze builtin:phantom --model lite --protocol seated-hip-rotation \
    --patient "$patient" --session "CTest html_chromium" --out "$out/phantom" -q ||
    fail "romcv analyze builtin:phantom failed"
report="$out/phantom/report.html"
[ -s "$report" ] || fail "$report was not written"

browse "$report" --window-size=1280,2000 --screenshot="$out/phantom/report.png" \
    >/dev/null 2>"$out/phantom/screenshot.log" || fail "chromium could not take the screenshot"
png="$out/phantom/report.png"
[ -s "$png" ] || fail "$png is missing or empty"
magic=$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')
[ "$magic" = "89504e470d0a1a0a" ] || fail "$png is not a PNG (starts $magic)"
[ "$(wc -c <"$png")" -gt 20000 ] || fail "$png is too small to show a report"

quiet_console "$report"
dom="$report.dom"
[ "$(grep -o 'class="plot-svg"' "$dom" | wc -l)" -ge 3 ] || fail "fewer than 3 plots in the DOM"
grep -q '<table class="results stack">' "$dom" || fail "no results table in the DOM"
grep -q 'Hip internal rotation</th>' "$dom" || fail "no hip internal rotation row"
grep -q 'Hip external rotation</th>' "$dom" || fail "no hip external rotation row"
grep -q '&lt;script&gt;alert("x")&lt;/script&gt; Test &amp; Co' "$dom" ||
    fail "the patient's name is not shown as text"
if grep -qi '<script' "$dom"; then
    fail "a script element reached the DOM"
fi

# ----------------------------------------------- stills from a video file

mkdir -p "$out/lift"
clip="$out/lift/lift.mp4"
"$romcv" phantom --protocol seated-hip-rotation --pelvic-lift 12 --lift-side right \
    --duration 5 --no-truth --out "$clip" -q || fail "romcv phantom failed"
"$romcv" analyze "$clip" --model lite --protocol seated-hip-rotation --patient "Lift" \
    --out "$out/lift" -q || fail "romcv analyze $clip failed"
report="$out/lift/report.html"
quiet_console "$report"
grep -q 'class="card"' "$report.dom" || fail "no compensation flag in $report"
grep -q 'still not available' "$report.dom" && fail "a still is missing in $report"
stills=$(grep -o 'data:image/jpeg;base64,' "$report" | wc -l)
[ "$stills" -ge 1 ] || fail "no still embedded in $report"

frame=$(sed -n 's/.*data-frame="\([0-9]*\)"><image id="still-0".*/\1/p' "$report")
[ -n "$frame" ] || fail "cannot find the first still's frame number"
sed -n 's/.*<image id="still-0"[^>]*href="data:image\/jpeg;base64,\([^"]*\)".*/\1/p' \
    "$report" | base64 -d >"$out/lift/still0.jpg" || fail "the first still is not base64"
size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 \
    "$out/lift/still0.jpg") || fail "the first still is not an image"
width=${size%,*}
height=${size#*,}
[ "$width" -le 480 ] || fail "the still is $width px wide (at most 480)"

# PSNR of the still against frame n of the clip, scaled the same way.
psnr() {
    ffmpeg -v error -y -i "$clip" -vf "select=eq(n\\,$1),scale=$width:$height:flags=area" \
        -frames:v 1 "$out/lift/frame$1.png" || fail "cannot decode frame $1"
    ffmpeg -hide_banner -i "$out/lift/still0.jpg" -i "$out/lift/frame$1.png" -lavfi psnr \
        -f null - 2>&1 | sed -n 's/.* average:\([0-9.]*\|inf\) .*/\1/p'
}
same=$(psnr "$frame")
earlier=$(psnr $((frame >= 30 ? frame - 30 : frame + 30)))
echo "html_chromium: still of frame $frame: PSNR $same dB; a second away: $earlier dB"
awk -v a="$same" -v b="$earlier" 'BEGIN { exit !(a == "inf" || (a > 30 && a > b)) }' ||
    fail "the still does not show frame $frame (PSNR $same dB, a second away $earlier dB)"

# ------------------------------------------ the console check can fail

bad="$out/network.html"
printf '%s\n' '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy"' \
    'content="default-src '"'none'"'; img-src data:"></head><body>' \
    '<img src="http://example.invalid/x.png" alt=""></body></html>' >"$bad"
if (quiet_console "$bad") 2>/dev/null; then
    fail "the console check missed a blocked network load"
fi

echo "html_chromium: ok; screenshot $out/phantom/report.png"
