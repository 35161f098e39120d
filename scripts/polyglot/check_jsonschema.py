"""Validates every sample against the bundled schema with Python jsonschema (draft-07, formats
checked) and reports each verdict that differs from the expected one."""

import importlib.metadata
import json
import pathlib
import sys

from jsonschema import Draft7Validator

import samples


def pointer_of(error) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path)


def walk(errors):
    """The errors and, recursively, the errors of their alternatives."""
    for error in errors:
        yield error
        yield from walk(error.context or [])


def check_formats(checker) -> None:
    """Fails unless date-time and uri are really checked (their optional packages are installed)."""
    cases = [
        ("date-time", "2019-12-09T12:01:18.909000Z", True),
        ("date-time", "2019-02-30T12:01:18Z", False),  # no such day
        ("date-time", "2019-12-09 12:01", False),
        ("uri", "https://cdn.livechat-files.com/api/file/a.png", True),
        ("uri", "not a uri", False),
    ]
    for fmt, value, ok in cases:
        if fmt not in checker.checkers:
            raise SystemExit(f"python-jsonschema: format {fmt} is not checked (missing package)")
        if checker.conforms(value, fmt) != ok:
            raise SystemExit(f"python-jsonschema: format {fmt} {'rejects' if ok else 'accepts'} {value!r}")


def main() -> int:
    bundle_path, samples_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    schema = json.loads(bundle_path.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    checker = Draft7Validator.FORMAT_CHECKER
    check_formats(checker)
    validator = Draft7Validator(schema, format_checker=checker)
    disagreements = 0
    cases = samples.load(samples_dir)
    for sample in cases:
        value = sample.parse()
        if value is None:
            if sample.valid:
                print(f"  {sample.name}: not JSON but expected valid")
                disagreements += 1
            continue  # a body that is not JSON is rejected before validation
        errors = list(validator.iter_errors(value))
        # A union (`oneOf`) reports at its own location; the errors of its alternatives, where
        # the precise pointer is, are in each error's context.
        pointers = sorted({pointer_of(e) for e in walk(errors)})
        if sample.valid and errors:
            disagreements += 1
            for e in errors[:3]:
                print(f"  {sample.name}: expected valid, got {pointer_of(e) or '/'}: {e.message[:200]}")
        elif not sample.valid and sample.pointer not in pointers:
            disagreements += 1
            print(f"  {sample.name}: expected an error at {sample.pointer!r}, got errors at {pointers}")
    valid = sum(s.valid for s in cases)
    print(
        f"python-jsonschema {importlib.metadata.version('jsonschema')}: "
        f"{len(cases)} samples ({valid} valid, {len(cases) - valid} invalid), {disagreements} disagreements"
    )
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
