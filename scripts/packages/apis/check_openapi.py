"""Checks the OpenAPI document of a version (dist/vX.Y/openapi.json):

- `spec`: openapi-spec-validator (OpenAPI 3.1) finds no error, every schema of
  components/schemas is a JSON Schema 2020-12 schema, and every `$ref` resolves within the
  document (openapi-spec-validator leaves a dangling one in a body's schema unreported);
- `samples`: every sample of the version, as samples/index.json lists it, gets the Rust validator's verdict
  from its action's requestBody schema, resolved within the document, by jsonschema's
  Draft202012Validator with format checking: a valid sample has no error, a negative one has an
  error at the pointer its invalid/expected.json gives. A negative sample that is not JSON, or
  whose action the version does not have (so no requestBody), counts as rejected.

Usage: check_openapi.py spec|samples ROOT VERSION   (ROOT holds samples/index.json and dist/)
Prints a summary line and one line per problem; exits 1 on any.
"""

import importlib.metadata
import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# The document's address for the registry: `$ref`s inside it resolve against it.
DOCUMENT = "urn:livechat-webhooks:openapi"
CHECKER = Draft202012Validator.FORMAT_CHECKER


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer_of(error) -> str:
    return "".join("/" + escape(str(p)) for p in error.absolute_path)


def walk(errors):
    """The errors and, recursively, those of their alternatives (`oneOf` reports at its own
    location; the precise pointer is in the context)."""
    for error in errors:
        yield error
        yield from walk(error.context or [])


def check_formats() -> None:
    """Fails unless date-time and uri are really checked (their packages are installed)."""
    cases = [
        ("date-time", "2019-12-09T12:01:18.909000Z", True),
        ("date-time", "2019-02-30T12:01:18Z", False),
        ("uri", "https://cdn.livechat-files.com/api/file/a.png", True),
        ("uri", "not a uri", False),
    ]
    for fmt, value, ok in cases:
        if fmt not in CHECKER.checkers or CHECKER.conforms(value, fmt) != ok:
            raise SystemExit(f"jsonschema: format {fmt} is not checked right on {value!r}")


def judge(path: pathlib.Path, validators: dict) -> tuple[str, set, str]:
    """A sample's verdict (valid, invalid, not JSON, no operation, error), the pointers of its errors and
    the first errors, for a message."""
    try:
        value = json.loads(path.read_bytes())
    except ValueError:
        return "not JSON", set(), ""
    action = value.get("action") if isinstance(value, dict) else None
    validator = validators.get(action) if isinstance(action, str) else None
    if validator is None:
        return "no operation", set(), ""
    try:
        errors = list(validator.iter_errors(value))
    except Exception as e:  # an unresolvable $ref, a schema the validator cannot read
        return "error", set(), f" ({type(e).__name__}: {str(e)[:200]})"
    if not errors:
        return "valid", set(), ""
    detail = "; ".join(f"{pointer_of(e) or '/'}: {e.message[:150]}" for e in errors[:3])
    return "invalid", {pointer_of(e) for e in walk(errors)}, f" ({detail})"


def references(value, at: str):
    """Every `$ref` keyword of a document (not a property or an example member of that name):
    (pointer, target)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            here = f"{at}/{escape(key)}"
            if key == "$ref" and isinstance(sub, str):
                yield at, sub
            elif key not in ("properties", "example", "examples", "value", "const", "enum", "default"):
                yield from references(sub, here)
            elif key == "properties" and isinstance(sub, dict):
                for name, schema in sub.items():
                    yield from references(schema, f"{here}/{escape(name)}")
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from references(sub, f"{at}/{i}")


def resolve(doc, pointer: str):
    """The value at a JSON pointer, or None."""
    for token in pointer.split("/")[1:] if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(doc, dict) and token in doc:
            doc = doc[token]
        elif isinstance(doc, list) and token.isdigit() and int(token) < len(doc):
            doc = doc[int(token)]
        else:
            return None
    return doc


def check_spec(doc: dict) -> list[str]:
    """The problems openapi-spec-validator finds, and the component schemas that are not
    2020-12 schemas."""
    problems = [
        f"{e.message[:300]} at /{'/'.join(map(str, e.absolute_path))}"
        for e in OpenAPIV31SpecValidator(doc).iter_errors()
    ]
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    schemas = doc.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        for e in meta.iter_errors(schema):
            problems.append(f"components/schemas/{name}: not a 2020-12 schema: {e.message[:200]}")
    refs = list(references(doc, ""))
    for at, target in refs:
        if not target.startswith("#") or resolve(doc, target[1:]) is None:
            problems.append(f"{at}: `$ref` {target} resolves to nothing in the document")
    version = importlib.metadata.version("openapi-spec-validator")
    print(
        f"openapi-spec-validator {version}: {len(schemas)} component schemas (2020-12), "
        f"{len(refs)} $refs within the document; {len(problems)} problems"
    )
    return problems


def check_samples(root: pathlib.Path, entry: dict, doc: dict) -> list[str]:
    """The samples whose verdict from their action's requestBody schema differs from the Rust
    validator's."""
    check_formats()
    registry = Registry().with_resource(DOCUMENT, Resource(contents=doc, specification=DRAFT202012))
    validators = {}
    for action in doc.get("webhooks", {}):
        pointer = f"/webhooks/{escape(action)}/post/requestBody/content/application~1json/schema"
        schema = {"$ref": f"{DOCUMENT}#{pointer}"}
        validators[action] = Draft202012Validator(schema, registry=registry, format_checker=CHECKER)
    problems = []
    counts = {"valid": 0, "invalid": 0, "not JSON": 0, "no operation": 0, "error": 0}
    for sample in entry["files"]:
        name, want = sample["file"], sample.get("pointer")
        verdict, pointers, detail = judge(root / entry["samples"] / name, validators)
        counts[verdict] += 1
        if verdict == "error":
            problems.append(f"{name}: the validator failed{detail}")
        elif sample["valid"] and verdict != "valid":
            problems.append(f"{name}: expected valid, got {verdict}{detail}")
        elif not sample["valid"] and verdict == "valid":
            problems.append(f"{name}: expected an error at {want!r}, got valid")
        elif not sample["valid"] and verdict == "invalid" and want not in pointers:
            problems.append(f"{name}: expected an error at {want!r}, got {sorted(pointers)}")
    print(
        f"jsonschema {importlib.metadata.version('jsonschema')} (2020-12, formats): "
        f"{sum(counts.values())} samples against their requestBody schema: "
        f"{counts['valid']} valid, {counts['invalid']} invalid, {counts['not JSON']} not JSON, "
        f"{counts['no operation']} of an action with no operation (rejected: no requestBody); "
        f"{len(problems)} disagreements"
    )
    return problems


def main() -> int:
    mode, root, version = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
    manifest = json.loads((root / "samples" / "index.json").read_text(encoding="utf-8"))
    entry = next((v for v in manifest["versions"] if v["version"] == version), None)
    if entry is None:
        raise SystemExit(f"samples/index.json has no version {version}")
    path = root / entry["dist"] / "openapi.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    if mode == "spec":
        problems = check_spec(doc)
    elif mode == "samples":
        problems = check_samples(root, entry, doc)
    else:
        raise SystemExit(f"unknown mode {mode!r}: spec or samples")
    for problem in problems:
        print(f"  v{version}: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
