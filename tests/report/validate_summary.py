#!/usr/bin/env python3
"""Validates romcv summary.json files against schema/summary.schema.json.

Independent of romcv: Python's json module parses (strictly: NaN, Infinity
and duplicate keys are refused, which Python would otherwise accept) and
python3-jsonschema validates, so a bug in romcv's JSON writer cannot hide
itself the way it could if romcv's own reader checked its own output.

    validate_summary.py SCHEMA SUMMARY.json...

Prints one line per problem ("out/summary.json: protocol.measures.0.best:
'x' is not of type 'number', 'null'") and exits 1 when any file fails, 0
when all pass.
"""
import json
import sys

import jsonschema


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _refuse_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def load_strict(path):
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("utf-8")  # strict: invalid UTF-8 raises
    return json.loads(text, parse_constant=_refuse_constant,
                      object_pairs_hook=_refuse_duplicates)


def validator_for(schema_path):
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)  # a broken schema must not pass everything
    return cls(schema)


def problems(validator, path):
    """The list of problems of one file, as one-line strings; [] when valid."""
    try:
        document = load_strict(path)
    except (OSError, ValueError) as e:  # JSONDecodeError and UnicodeError are ValueErrors
        return [f"{path}: not strict JSON: {e}"]
    found = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(p) for p in error.absolute_path) or "(top)"
        found.append(f"{path}: {where}: {error.message}")
    return found


def main(argv):
    if len(argv) < 3:
        print("usage: validate_summary.py SCHEMA SUMMARY.json...", file=sys.stderr)
        return 2
    validator = validator_for(argv[1])
    failed = False
    for path in argv[2:]:
        for line in problems(validator, path):
            print(line)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
