#!/usr/bin/env python3
"""Progress and log lines of `romcv landmarks` on stderr.

- On a terminal (util-linux `script` gives the command a pty): one status
  line redrawn with '\\r', with the frame count, the rate and the time left,
  erased before the results are printed.
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
        landmarks(tmp)
    for f in failures:
        print(f"FAIL: {f}")
    print("ok" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
