#!/usr/bin/env python3
"""`romcv analyze` writes a summary.json that schema/summary.schema.json accepts.

Three runs, as a user or the batch runner makes them, each summary validated
by validate_summary.py (Python's json + python3-jsonschema, independent of
romcv's code):
  1. the built-in phantom, short (--to 2): complete, no protocol;
  2. a real video, ../shared/samples/squat_side.mp4, with --protocol squat:
     the protocol part present and valid;
  3. an interrupted run (SIGINT once frames are flowing): status
     "interrupted", "partial": true, and still valid.
Run 3 uses --json-log, so it also checks that every stderr line is a JSON
object and that progress arrives that way.

Environment (set by CTest): ROMCV_CLI, ROMCV_SOURCE_DIR, ROMCV_SHARED_DIR,
ROMCV_MODELS. Exits 0 when every check passes, 1 with the reasons otherwise.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import validate_summary  # noqa: E402  (beside this file)

CLI = os.environ["ROMCV_CLI"]
SOURCE = os.environ["ROMCV_SOURCE_DIR"]
SHARED = os.environ["ROMCV_SHARED_DIR"]
SCHEMA = os.path.join(SOURCE, "schema", "summary.schema.json")

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def validated(validator, path):
    """Validates path; returns the parsed summary, or None when invalid."""
    problems = validator_problems(validator, path)
    if not check(not problems, "\n".join(problems)):
        return None
    return validate_summary.load_strict(path)


def validator_problems(validator, path):
    if not os.path.exists(path):
        return [f"{path}: not written"]
    return validate_summary.problems(validator, path)


def run(args, **kwargs):
    return subprocess.run([CLI, "analyze", *args], capture_output=True, text=True, **kwargs)


def phantom_short(validator, tmp):
    out = os.path.join(tmp, "phantom")
    r = run(["--to", "2", "--out", out])
    check(r.returncode == 0, f"phantom: exit {r.returncode}: {r.stderr}")
    s = validated(validator, os.path.join(out, "summary.json"))
    if s:
        check(s["status"] == "complete" and s["partial"] is False, "phantom: not complete")
        check(s["frames"]["analysed"] == 61, f"phantom: {s['frames']['analysed']} frames, not 61")
        check(s["protocol"] is None, "phantom: a protocol without --protocol")
        check(s["command_line"][1:] == ["analyze", "--to", "2", "--out", out],
              f"phantom: command line {s['command_line']}")
        check(s["files"] == ["frames.csv", "landmarks.trc", "angles.mot", "report.html"],
              f"phantom: files {s['files']}")


def squat_video(validator, tmp):
    video = os.path.join(SHARED, "samples", "squat_side.mp4")
    if not check(os.path.exists(video), f"{video}: missing (integration tests never skip)"):
        return
    out = os.path.join(tmp, "squat")
    # The lite model keeps this affordable under the sanitizers; the schema is
    # what is tested here, not the landmarks.
    r = run([video, "--protocol", "squat", "--model", "lite", "--out", out])
    check(r.returncode == 0, f"squat: exit {r.returncode}: {r.stderr}")
    s = validated(validator, os.path.join(out, "summary.json"))
    if s:
        check(s["input"]["kind"] == "file" and s["input"]["codec"] == "h264",
              f"squat: input {s['input']}")
        check(s["input"]["size_bytes"] == os.path.getsize(video), "squat: size_bytes")
        p = s["protocol"]
        if check(p is not None, "squat: no protocol result"):
            check(p["name"] == "squat", f"squat: protocol {p['name']}")
            check(len(p["measures"]) > 0, "squat: no measures")


def interrupted(validator, tmp):
    # A long, cheap clip: analysing it takes far longer than reaching the
    # interrupt below, which is sent once the first progress line shows
    # frames flowing (no sleeps, no timing).
    clip = os.path.join(tmp, "long.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc=size=160x120:rate=30:duration=120", "-c:v", "libx264",
                    "-preset", "ultrafast", clip], check=True)
    out = os.path.join(tmp, "interrupted")
    p = subprocess.Popen([CLI, "analyze", clip, "--out", out, "--json-log", "-v"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    sent = False
    for line in p.stderr:
        lines.append(line)
        if not sent and '"progress"' in line:
            p.send_signal(signal.SIGINT)
            sent = True
    code = p.wait()
    check(sent, "interrupted: no progress line before the end")
    check(code == 130, f"interrupted: exit {code}, not 130")
    progress = 0
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            check(False, f"interrupted: stderr line is not JSON: {line!r}")
            continue
        if "progress" in obj:
            progress += 1
            check(set(obj["progress"]) == {"frame", "frames_total", "fps", "eta_s"},
                  f"interrupted: progress keys {sorted(obj['progress'])}")
        else:
            check(set(obj) == {"level", "module", "message"}, f"interrupted: log line {obj}")
    check(progress >= 2, f"interrupted: {progress} progress lines (want the first and the last)")
    s = validated(validator, os.path.join(out, "summary.json"))
    if s:
        check(s["status"] == "interrupted" and s["partial"] is True,
              f"interrupted: status {s['status']}, partial {s['partial']}")
        check(0 < s["frames"]["analysed"] < 3600, f"interrupted: {s['frames']['analysed']} frames")


def main():
    validator = validate_summary.validator_for(SCHEMA)
    with tempfile.TemporaryDirectory(prefix="romcv-summary-") as tmp:
        phantom_short(validator, tmp)
        squat_video(validator, tmp)
        interrupted(validator, tmp)
    for f in failures:
        print(f"FAIL: {f}")
    print("ok" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
