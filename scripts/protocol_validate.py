#!/usr/bin/env python3
"""scripts/protocol_validate.py: romcv's protocol results against the phantom's truth.

Reads a phantom clip's truth (clip.truth.json, docs/phantom.md) and the summary.json that
`romcv analyze CLIP --protocol NAME` wrote, and prints a Markdown section for
docs/validation.md: each measure's value per repetition against the truth angle it is
defined to measure, taken the same way over the same frames (the extreme for a peak, the
frame for a value at the peak, the median for a static trial, max - min for a range; changes
from the truth's own value over the analysis' baseline frames for relative measures), and
each compensation flag against whether the phantom planted one in that repetition.

usage: protocol_validate.py TRUTH.json SUMMARY.json "Title"
"""
import json
import statistics
import sys

# romcv's angle channel -> the truth angle with the same definition (docs/phantom.md).
TRUTH_OF = {
    "hip_flexion_left": "hip_flexion_2d_left",
    "hip_flexion_right": "hip_flexion_2d_right",
    "thigh_vertical_left": "thigh_inclination_left",
    "thigh_vertical_right": "thigh_inclination_right",
    # single-leg stance: the drop of the lifted side (the truth has one, + when it drops)
    "pelvic_drop_left": "pelvic_drop",
    "pelvic_drop_right": "pelvic_drop",
}


def truth_series(frames, signal):
    key = TRUTH_OF.get(signal, signal)
    if key not in frames[0]["angles"]:
        return None
    values = [f["angles"][key] for f in frames]
    if all(v is None for v in values):
        return None
    # The phantom writes null where a quantity does not apply (no drop while
    # standing on both legs): zero there.
    return [0.0 if v is None else v for v in values]


def take(statistic, values, direction, frame):
    finite = [v for v in values if v is not None]
    if not finite:
        return None
    if statistic == "peak":
        return max(direction * v for v in finite)
    if statistic == "at_peak":
        return direction * values[frame] if values[frame] is not None else None
    if statistic == "median":
        return statistics.median(direction * v for v in finite)
    if statistic == "range":
        return max(finite) - min(finite)
    return None


def main():
    truth = json.load(open(sys.argv[1]))
    summary = json.load(open(sys.argv[2]))
    title = sys.argv[3]
    frames = truth["frames"]
    protocol = summary["protocol"]
    print(f"### {title}\n")
    if protocol is None:
        print("No protocol result (the analysis failed).\n")
        return
    reps = protocol["repetitions"]
    print(f"`romcv analyze --protocol {protocol['name']}` (defaults): {len(reps)} repetitions "
          f"found ({', '.join(r['segmenter'] for r in reps) or 'none'}), view "
          f"{protocol['dominant_view']}.\n")
    base = summary.get("baseline") or {}
    b0, b1 = base.get("start_s"), base.get("end_s")
    rows = []
    for m in protocol["measures"]:
        truth_values = truth_series(frames, m["signal"])
        if truth_values is None or not m["values"]:
            continue
        direction = m["direction"]
        if m["relative"]:
            if b0 is None or b1 is None:
                continue
            ref = [truth_values[i] for i, f in enumerate(frames) if b0 <= f["time_s"] <= b1]
            ref_value = statistics.median(ref) if ref else 0.0
            truth_values = [v - ref_value for v in truth_values]
        errors = []
        for v in m["values"]:
            if v["value"] is None:
                continue
            rep = reps[v["repetition"]]
            lo, hi = rep["start"]["frame"], rep["end"]["frame"]
            t = take(m["statistic"], truth_values[lo:hi + 1], direction, v["frame"] - lo)
            if t is not None:
                errors.append((v["value"], t, v["value"] - t))
        if not errors:
            continue
        mean_abs = sum(abs(e[2]) for e in errors) / len(errors)
        worst = max(errors, key=lambda e: abs(e[2]))
        per_rep = "; ".join(f"{e[0]:.1f} vs {e[1]:.1f}" for e in errors)
        rows.append(f"| {m['name']} | {per_rep} | {mean_abs:.2f} | {worst[2]:+.2f} |")
    if rows:
        print("| measure | measured vs truth, per repetition (deg) | mean abs err | worst |")
        print("| --- | --- | ---: | ---: |")
        print("\n".join(rows))
        print()
    planted = set()
    for i, rep in enumerate(reps):
        lo, hi = rep["start"]["frame"], rep["end"]["frame"]
        if any(frames[k].get("compensation") for k in range(lo, hi + 1)):
            planted.add(i)
    flagged = {}
    for fl in protocol["compensations"]:
        flagged.setdefault(fl["repetition"], []).append(
            f"{fl['key']} {fl['magnitude']:.1f} (threshold {fl['threshold']:g})")
    lines = []
    for i, rep in enumerate(reps):
        if i in planted or i in flagged:
            verdict = ("planted and flagged" if i in planted and i in flagged else
                       "planted, NOT flagged" if i in planted else "flagged, nothing planted")
            lines.append(f"| {rep['segmenter']} | {verdict} | "
                         f"{', '.join(flagged.get(i, [])) or '-'} |")
    if lines:
        print("| repetition | compensation | flags |")
        print("| --- | --- | --- |")
        print("\n".join(lines))
    else:
        print("No compensation planted and none flagged.")
    print()


if __name__ == "__main__":
    main()
