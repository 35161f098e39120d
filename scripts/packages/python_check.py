"""Checks the installed Python package `livechat-webhooks` (scripts/packages/python-check.sh
runs it from a fresh virtual environment outside the repository):

- its metadata: name, version (the bundles' schema version), Requires-Python, `py.typed`;
- every sample of every version in samples/index.json: `errors` is empty exactly for the valid
  ones and points where invalid/expected.json says, `parse` returns a model of the sample's
  action (which gives the body back) for the valid ones, an `UnknownWebhook` for an action the
  version does not know, and raises `InvalidWebhook` for the others;
- `schema` and `validator` of every version and action;
- hostile bodies: `errors` never raises and `parse` raises nothing but `InvalidWebhook`;
- `mypy --strict` on a usage file, on the Python usage of the READMEs and on the package's own
  sources, and each of those run on a sample.

Prints one line per failure and a last line `python package: N passed, M failed`.
Usage: python_check.py ROOT WHEEL
"""

import ast
import importlib
import importlib.metadata
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile
from typing import Any, Callable, List, Tuple

import livechat_webhooks
from livechat_webhooks import InvalidWebhook, UnknownWebhook

HERE = pathlib.Path(__file__).resolve().parent


class Tally:
    """Counts checks; prints each failure."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, what: str) -> bool:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"  FAIL {what}")
        return ok


def metadata(tally: Tally, root: pathlib.Path, wheel: pathlib.Path) -> None:
    meta = importlib.metadata.metadata("livechat-webhooks")
    # The schema package's version: the first word of the top `## ` heading of the changelog.
    changelog = (root / "schemas/CHANGELOG.md").read_text(encoding="utf-8")
    version = next(line[3:].split()[0] for line in changelog.splitlines() if line.startswith("## "))
    tally.check(meta["Name"] == "livechat-webhooks", f"name {meta['Name']!r}")
    tally.check(meta["Version"] == version, f"version {meta['Version']}, schemas {version}")
    tally.check(livechat_webhooks.__version__ == meta["Version"], "__version__")
    tally.check(wheel.name == f"livechat_webhooks-{meta['Version']}-py3-none-any.whl", wheel.name)
    tally.check(meta["Requires-Python"] == ">=3.9", f"Requires-Python {meta['Requires-Python']}")
    summary = meta["Summary"] or ""
    tally.check("community-maintained" in summary and "not LiveChat's" in summary, summary)
    files = [str(f) for f in importlib.metadata.files("livechat-webhooks") or []]
    tally.check("livechat_webhooks/py.typed" in files, "py.typed is installed")
    requires = " ".join(importlib.metadata.requires("livechat-webhooks") or [])
    tally.check("pydantic" in requires and "jsonschema" in requires, f"requires {requires}")


def samples(tally: Tally, root: pathlib.Path) -> None:
    manifest = json.loads((root / "samples/index.json").read_text(encoding="utf-8"))
    names = [v["version"] for v in manifest["versions"]]
    tally.check(list(livechat_webhooks.VERSIONS) == names, f"versions {names}")
    tally.check(livechat_webhooks.STABLE == manifest["stable_version"], "stable version")
    for entry in manifest["versions"]:
        version = entry["version"]
        module = livechat_webhooks.module(version)
        counts = [0, 0]
        for sample in entry["files"]:
            body = (root / entry["samples"] / sample["file"]).read_bytes()
            what = f"v{version} {sample['file']}"
            counts[sample["valid"]] += 1
            errors = module.errors(body)
            if not tally.check((not errors) == sample["valid"], f"{what}: errors {errors[:2]}"):
                continue
            if not sample["valid"]:
                pointers = [pointer for pointer, _ in errors]
                tally.check(sample["pointer"] in pointers, f"{what}: {sample['pointer']!r} not in {pointers}")
            try:
                webhook = module.parse(body)
            except InvalidWebhook as e:
                tally.check(not sample["valid"] and e.errors == errors, f"{what}: parse raised {e}")
                continue
            if sample["valid"]:
                value = json.loads(body)
                tally.check(type(webhook).__name__.endswith("Webhook") and webhook.action == value["action"]
                            and not isinstance(webhook, UnknownWebhook), f"{what}: parsed as {type(webhook)}")
                dumped = webhook.model_dump(mode="json", by_alias=True, exclude_unset=True)
                tally.check(dumped == value, f"{what}: the model does not give the body back")
                tally.check(type(module.parse(body.decode("utf-8"))) is type(webhook), f"{what}: as text")
            else:
                tally.check(isinstance(webhook, UnknownWebhook) and sample["keyword"] == "unknown_action",
                            f"{what}: an invalid sample parsed as {type(webhook).__name__}")
        print(f"python package: v{version}: {counts[1]} valid and {counts[0]} invalid samples")


def schemas(tally: Tally, root: pathlib.Path) -> None:
    manifest = json.loads((root / "samples/index.json").read_text(encoding="utf-8"))
    for entry in manifest["versions"]:
        version = entry["version"]
        module = livechat_webhooks.module(version)
        dist = root / entry["dist"]
        whole = livechat_webhooks.schema(version)
        shipped = json.loads((dist / "webhook.json").read_bytes())
        tally.check(whole == shipped, f"schema({version}) is {entry['dist']}/webhook.json")
        whole["title"] = "changed"
        tally.check(livechat_webhooks.schema(version)["title"] != "changed", "schema() is a copy")
        actions = list(module.ACTIONS)
        tally.check(whole["properties"]["action"]["enum"] == actions, f"v{version} actions")
        for action in actions:
            one = livechat_webhooks.schema(version, action)
            shipped = json.loads((dist / "actions" / f"{action}.json").read_bytes())
            tally.check(one == shipped and one["properties"]["action"]["const"] == action,
                        f"schema({version}, {action}) is {entry['dist']}/actions/{action}.json")
        for bad in [(version, "no_such_action"), ("9.9", None)]:
            try:
                livechat_webhooks.schema(*bad)
                tally.check(False, f"schema{bad} raised nothing")
            except ValueError:
                tally.check(True, "")
        validator = livechat_webhooks.validator(version)
        listed = [f for f in entry["files"] if f.get("keyword") in (None, "type", "required", "format")]
        for sample in listed:
            value = json.loads((root / entry["samples"] / sample["file"]).read_bytes())
            valid = not list(validator.iter_errors(value))
            tally.check(valid == sample["valid"], f"validator({version}) on {sample['file']}")


def hostile_bodies(root: pathlib.Path) -> List[Tuple[str, Any]]:
    stable = livechat_webhooks.STABLE
    valid = sorted((root / "samples" / f"v{stable}" / "extra").glob("*.full.json"))
    body = max(valid, key=lambda p: p.stat().st_size).read_bytes()
    envelope = json.loads(body)
    deep = b"[" * 100_000 + b"]" * 100_000

    def inside(text: bytes) -> bytes:
        return json.dumps({**envelope, "additional_data": {"x": "@"}}).encode().replace(b'"@"', text)

    cases: List[Tuple[str, Any]] = [
        ("invalid UTF-8", b"\xff\xfe"),
        ("invalid UTF-8 in a string", body.replace(b'"', b'"\xc3', 1)),
        ("a lone surrogate escape", inside(b'"\\udc00"')),
        ("a surrogate in text", body.decode("utf-8") + "\ud800"),
        ("100000-deep arrays", deep),
        ("100000-deep objects", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
        ("100000-deep unclosed", b'{"a":[' * 100_000),
        ("deep inside a valid body", inside(deep)),
        ("128 levels", inside(b"[" * 126 + b"]" * 126)),
        ("a 10000-digit integer", b"1" + b"0" * 9_999),
        ("a 10000-digit integer inside", inside(b"-9" * 1 + b"9" * 9_999)),
        ("a float beyond range", inside(b"1e400")),
        ("NaN", inside(b"NaN")),
        ("Infinity", b"[Infinity]"),
        ("duplicate keys", b'{"action": "a", "action": "b"}'),
        ("duplicate keys inside", body.replace(b'"payload": {', b'"payload": {"x": 1, "x": 2,', 1)),
        ("empty", b""),
        ("whitespace", b" \n\t"),
        ("a bare string", b'"incoming_chat"'),
        ("null", b"null"),
        ("a number", b"12"),
        ("an array", b"[]"),
        ("trailing bytes", body + b"}"),
        ("a BOM", b"\xef\xbb\xbf" + body),
        ("action is a number", b'{"action": 7}'),
        ("an unknown action without envelope", b'{"action": "nope"}'),
    ]
    cases += [(f"truncated at {n}", body[:n]) for n in range(0, len(body) - 1, 3)]
    return cases


def hostile(tally: Tally, root: pathlib.Path) -> None:
    cases = hostile_bodies(root)
    for version in livechat_webhooks.VERSIONS:
        module = livechat_webhooks.module(version)
        for name, body in cases:
            what = f"v{version} {name}"
            try:
                errors = module.errors(body)
                shaped = all(isinstance(p, str) and isinstance(m, str) for p, m in errors)
                tally.check(bool(errors) and shaped, f"{what}: errors {errors[:2]}")
            except BaseException as e:  # noqa: B036 - any exception is the failure
                tally.check(False, f"{what}: errors raised {type(e).__name__}: {e}")
            try:
                module.parse(body)
                tally.check(False, f"{what}: parse accepted it")
            except InvalidWebhook as e:
                tally.check(bool(e.errors), f"{what}: InvalidWebhook without errors")
            except BaseException as e:  # noqa: B036
                tally.check(False, f"{what}: parse raised {type(e).__name__}: {e}")


def python_blocks(readme: pathlib.Path, heading: str) -> List[str]:
    """The ```python blocks of `readme` after the heading that contains `heading`."""
    text = readme.read_text(encoding="utf-8")
    start = re.search(rf"^#+ .*{re.escape(heading)}.*$", text, re.M)
    if start is None:
        return []
    return re.findall(r"^```python\n(.*?)^```", text[start.end():], re.M | re.S)[:1]


def typed(tally: Tally, root: pathlib.Path, wheel: pathlib.Path, work: pathlib.Path) -> None:
    sample = root / "samples" / f"v{livechat_webhooks.STABLE}" / "incoming_chat.json"
    chat = json.loads(sample.read_bytes())["payload"]["chat"]["id"]
    programs: List[Tuple[str, pathlib.Path]] = [("the usage file", HERE / "python_usage.py")]
    for readme, heading in [(root / "README.md", "Other languages"), (root / "packages/python/README.md", "")]:
        blocks = python_blocks(readme, heading)
        tally.check(len(blocks) == 1, f"{readme.relative_to(root)} has a Python usage block")
        for block in blocks:
            path = work / f"readme_{len(programs)}.py"
            path.write_text("import sys\n\nbody = sys.stdin.buffer.read()\n" + block, encoding="utf-8")
            programs.append((f"the Python block of {readme.relative_to(root)}", path))
    for name, path in programs:
        run = subprocess.run([sys.executable, str(path)], input=sample.read_bytes(), capture_output=True)
        out = run.stdout.decode()
        tally.check(run.returncode == 0 and chat in out, f"{name} on {sample.name}: {out}{run.stderr.decode()[-800:]}")
    sources = work / "wheel"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(sources)
    mypy = [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
    runs = [
        (", ".join(name for name, _ in programs), [str(path) for _, path in programs]),
        ("the package's sources", [str(sources / "livechat_webhooks")]),
    ]
    for name, targets in runs:
        run = subprocess.run([*mypy, *targets], capture_output=True, cwd=work)
        tally.check(run.returncode == 0, f"mypy --strict on {name}:\n{run.stdout.decode()[-3000:]}")


def python39(tally: Tally, wheel: pathlib.Path) -> None:
    """Every module of the wheel is Python 3.9 syntax, and no annotation uses the `X | Y` union
    (3.10): pydantic evaluates the annotations of the models at import, so a 3.9 interpreter
    would fail on one even under `from __future__ import annotations`."""
    with zipfile.ZipFile(wheel) as archive:
        sources = [(n, archive.read(n).decode("utf-8")) for n in archive.namelist() if n.endswith(".py")]
    tally.check(len(sources) > 5, f"{len(sources)} modules in the wheel")
    for name, text in sources:
        try:
            tree = ast.parse(text, filename=name, feature_version=(3, 9))
        except SyntaxError as e:
            tally.check(False, f"{name}: not Python 3.9 syntax: {e}")
            continue
        annotations = [n.annotation for n in ast.walk(tree) if isinstance(n, (ast.arg, ast.AnnAssign)) and n.annotation]
        annotations += [n.returns for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.returns]
        unions = [ast.unparse(a) for a in annotations for b in ast.walk(a)
                  if isinstance(b, ast.BinOp) and isinstance(b.op, ast.BitOr)]
        tally.check(not unions, f"{name}: `X | Y` annotations (Python 3.10): {unions[:3]}")


def main() -> int:
    root, wheel = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    tally = Tally()
    steps: List[Tuple[str, Callable[[], None]]] = [
        ("metadata", lambda: metadata(tally, root, wheel)),
        ("samples", lambda: samples(tally, root)),
        ("schemas", lambda: schemas(tally, root)),
        ("hostile bodies", lambda: hostile(tally, root)),
        ("python 3.9", lambda: python39(tally, wheel)),
    ]
    with tempfile.TemporaryDirectory() as work:
        steps.append(("types", lambda: typed(tally, root, wheel, pathlib.Path(work))))
        for name, step in steps:
            before = tally.passed + tally.failed
            step()
            print(f"python package: {name}: {tally.passed + tally.failed - before} checks")
    print(f"python package: {tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
