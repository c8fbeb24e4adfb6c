#!/usr/bin/env python3
"""Progress and log lines of `romcv analyze` and `romcv landmarks` on stderr.

- On a terminal (util-linux `script` gives the command a pty): one status
  line redrawn with '\\r', with the frame count, the rate and the time left,
  erased before the results are printed.
- Piped: no progress at all.
- --quiet on a terminal: nothing (the run succeeds, so no error to show).
- --json-log, piped: every stderr line is a JSON object; progress objects
  carry frame, frames_total, fps and eta_s, the last one the final count;
  log lines carry level, module and message. A failing run's error is a
  JSON line too.

No timing is involved: the first update always draws and the end always
erases (terminal) or reports (JSON), whatever the speed of the machine.

Environment (set by CTest): ROMCV_CLI. Exits 0 when every check passes.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

CLI = os.environ["ROMCV_CLI"]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def on_terminal(args):
    """Runs romcv with a pty as stdout and stderr; returns (exit, output)."""
    command = " ".join(shlex.quote(a) for a in [CLI, *args])
    r = subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True)
    # Bytes, decoded by hand: text mode would turn every '\r' into '\n'.
    return r.returncode, r.stdout.decode("utf-8", errors="replace")


def piped(args):
    r = subprocess.run([CLI, *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def terminal_shows_progress(tmp):
    code, out = on_terminal(["analyze", "--to", "1", "--out", os.path.join(tmp, "t")])
    check(code == 0, f"terminal: exit {code}: {out!r}")
    draws = re.findall(r"\rromcv: frame (\d+)/31 \(\d+%\)(, [0-9.]+ fps)?(, .* left)?", out)
    if check(draws, f"terminal: no progress line in {out!r}"):
        check(any(fps and left for _, fps, left in draws),
              f"terminal: no rate and time left in {draws}")
    # Erased at the end: a carriage return, blanks, a carriage return, then
    # the results on a clean line.
    check(re.search(r"\r +\rbuiltin:phantom: 31 frames", out),
          f"terminal: progress not erased before the results: {out[-300:]!r}")


def pipe_shows_none(tmp):
    code, out, err = piped(["analyze", "--to", "1", "--out", os.path.join(tmp, "p")])
    check(code == 0, f"pipe: exit {code}: {err}")
    check("frame" not in err and "\r" not in err, f"pipe: progress on a pipe: {err!r}")
    check("builtin:phantom: 31 frames" in out, f"pipe: results missing: {out!r}")


def quiet_shows_nothing(tmp):
    code, out = on_terminal(["analyze", "--to", "1", "-q", "--out", os.path.join(tmp, "q")])
    check(code == 0, f"quiet: exit {code}: {out!r}")
    check(out.strip() == "", f"quiet: printed {out!r}")


def json_lines(err, what):
    objects = []
    for line in err.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            check(False, f"{what}: not a JSON line: {line!r}")
            continue
        if check(isinstance(obj, dict), f"{what}: not an object: {line!r}"):
            objects.append(obj)
    return objects


def json_log(tmp):
    code, out, err = piped(["analyze", "--to", "1", "--json-log", "-v",
                            "--out", os.path.join(tmp, "j")])
    check(code == 0, f"json: exit {code}: {err}")
    objects = json_lines(err, "json")
    progress = [o["progress"] for o in objects if "progress" in o]
    logs = [o for o in objects if "progress" not in o]
    if check(progress, f"json: no progress object in {err!r}"):
        for p in progress:
            check(set(p) == {"frame", "frames_total", "fps", "eta_s"}, f"json: progress {p}")
            check(isinstance(p["frame"], int) and p["frames_total"] == 31, f"json: progress {p}")
            check(p["fps"] is None or p["fps"] >= 0, f"json: fps {p}")
            check(p["eta_s"] is None or p["eta_s"] >= 0, f"json: eta_s {p}")
        check(progress[-1]["frame"] == 31, f"json: last progress {progress[-1]}, not frame 31")
    for o in logs:
        check(set(o) == {"level", "module", "message"}, f"json: log line {o}")
        check(o.get("level") in ("error", "warning", "info", "verbose", "debug"),
              f"json: level {o}")
    check(any(o.get("module") == "analyze" and "analysing" in o.get("message", "")
              for o in logs), f"json: the verbose 'analysing' line is missing: {logs}")

    # A failure is one JSON error line naming the file.
    missing = os.path.join(tmp, "no such clip.mp4")
    code, out, err = piped(["analyze", missing, "--json-log", "--out", os.path.join(tmp, "f")])
    check(code == 1, f"json failure: exit {code}")
    objects = json_lines(err, "json failure")
    check(len(objects) == 1 and objects[0].get("level") == "error"
          and missing in objects[0].get("message", ""),
          f"json failure: want one error line naming the file, got {err!r}")


def landmarks(tmp):
    """romcv landmarks reports the same way: progress on a terminal, JSON lines
    with --json-log, its failures included."""
    jsonl = os.path.join(tmp, "l.jsonl")
    code, out = on_terminal(["landmarks", "builtin:phantom", "--to", "1", "--out", jsonl])
    check(code == 0, f"landmarks terminal: exit {code}: {out!r}")
    check(re.search(r"\rromcv: frame \d+/31 \(\d+%\)", out),
          f"landmarks terminal: no progress line in {out!r}")
    check(re.search(r"\r +\rromcv landmarks: 31 frames", out),
          f"landmarks terminal: progress not erased: {out[-300:]!r}")
    code, out, err = piped(["landmarks", "builtin:phantom", "--to", "1", "--out", jsonl,
                            "--json-log"])
    check(code == 0, f"landmarks json: exit {code}: {err}")
    objects = json_lines(err, "landmarks json")
    progress = [o["progress"] for o in objects if "progress" in o]
    check(progress and progress[-1]["frame"] == 31, f"landmarks json: progress {progress}")
    check(any(o.get("level") == "info" and o.get("module") == "romcv landmarks"
              and "31 frames" in o.get("message", "") for o in objects),
          f"landmarks json: no final info line in {objects}")
    missing = os.path.join(tmp, "missing.mp4")
    code, out, err = piped(["landmarks", missing, "--out", jsonl, "--json-log"])
    check(code == 1, f"landmarks json failure: exit {code}")
    objects = json_lines(err, "landmarks json failure")
    check(len(objects) == 1 and objects[0].get("level") == "error"
          and missing in objects[0].get("message", ""),
          f"landmarks json failure: want one error line naming the file, got {err!r}")


def main():
    with tempfile.TemporaryDirectory(prefix="romcv-progress-") as tmp:
        terminal_shows_progress(tmp)
        pipe_shows_none(tmp)
        quiet_shows_nothing(tmp)
        json_log(tmp)
        landmarks(tmp)
    for f in failures:
        print(f"FAIL: {f}")
    print("ok" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
