#!/usr/bin/env python3
"""tests/cli/demo_acceptance.py: issue 6's acceptance, run the way a user runs it.

`romcv demo` (the README's first command) renders the seated hip-rotation phantom with an
8 deg pelvic lift planted on the right, analyses it with `romcv analyze --protocol
seated-hip-rotation` and compares every end range with the phantom's truth. This test reads
what it prints and asserts: every end range within 3 deg of the truth, the planted lift
flagged, the clean side not; then the same for a clip without any lift (nothing flagged).

usage: demo_acceptance.py OUT_DIR  (ROMCV_CLI and ROMCV_MODELS in the environment)
"""
import os
import re
import subprocess
import sys


def run_demo(out_dir, lift):
    cli = os.environ["ROMCV_CLI"]
    os.makedirs(os.path.dirname(out_dir), exist_ok=True)
    cmd = [cli, "demo", "--out", out_dir, "--pelvic-lift", str(lift)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1500)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p.stdout


def main():
    out = sys.argv[1]
    failures = []
    for lift in (8, 0):
        text = run_demo(os.path.join(out, f"lift{lift}"), lift)
        errors = re.findall(r"^  (.+?)\s+measured\s+(\S+) deg, truth\s+(\S+) deg, error\s+(\S+) deg$",
                            text, re.M)
        if len(errors) != 4:
            failures.append(f"lift {lift}: expected 4 end ranges, found {len(errors)}:\n{text}")
        for name, measured, truth, error in errors:
            print(f"lift {lift}: {name}: measured {measured}, truth {truth}, error {error}")
            if abs(float(error)) > 3.0:
                failures.append(f"lift {lift}: {name} is {error} deg from the truth (limit 3)")
        if lift > 0 and "pelvic lift planted on the right (8.0 deg): flagged" not in text:
            failures.append(f"lift {lift}: the planted lift was not flagged:\n{text}")
        clean = "left side, no lift planted: not flagged" if lift > 0 else \
            "either side, no lift planted: not flagged"
        if clean not in text:
            failures.append(f"lift {lift}: a side without a lift was flagged:\n{text}")
        if "pelvis lifting" in text and lift == 0:
            failures.append(f"lift 0: a pelvis-lift flag on a clip without a lift:\n{text}")
    if failures:
        print("\n".join("FAIL: " + f for f in failures))
        return 1
    print("ok: every end range within 3 deg; the planted lift flagged, the clean side not")
    return 0


if __name__ == "__main__":
    sys.exit(main())
