"""Times Python's jsonschema and fastjsonschema on the webhooks of an NDJSON corpus, against
the same schemas (the folder given: a version's schemas), and compares them with
`webhooks-validate --ndjson`.

usage: compare_python.py SCHEMA_DIR CORPUS VALIDATOR_BINARY
"""

import json
import pathlib
import subprocess
import sys
import time

import fastjsonschema
import jsonschema
import referencing

def load_schemas(root):
    store = {}
    for path in sorted(root.rglob("*.json")):
        doc = json.loads(path.read_text())
        store[doc["$id"]] = doc
    return store


def best_of(runs, fn):
    """The fastest of `runs` timings of fn(), in seconds, and its result."""
    best, result = None, None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def main():
    schema_dir, corpus_path, binary = map(pathlib.Path, sys.argv[1:4])
    store = load_schemas(schema_dir)
    # Every `$id` is the base of the version followed by the file's path.
    base = json.loads((schema_dir / "webhook.json").read_text())["$id"].removesuffix("webhook.json")
    actions = {
        uri[len(base) + len("actions/"):-len(".json")]: doc
        for uri, doc in store.items()
        if uri.startswith(base + "actions/")
    }
    lines = corpus_path.read_bytes().splitlines()
    size = sum(len(line) + 1 for line in lines)
    print(f"corpus: {len(lines)} webhooks, {size / 1e6:.1f} MB, {len(actions)} action schemas")

    registry = referencing.Registry().with_resources(
        (uri, referencing.Resource.from_contents(doc, default_specification=referencing.jsonschema.DRAFT7))
        for uri, doc in store.items()
    )
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    py_validators = {
        name: jsonschema.Draft7Validator(doc, registry=registry, format_checker=checker)
        for name, doc in actions.items()
    }
    fast_validators = {
        name: fastjsonschema.compile(doc, handlers={"https": store.__getitem__})
        for name, doc in actions.items()
    }

    def py_run():
        valid = 0
        for line in lines:
            doc = json.loads(line)
            valid += py_validators[doc["action"]].is_valid(doc)
        return valid

    def fast_run():
        valid = 0
        for line in lines:
            doc = json.loads(line)
            try:
                fast_validators[doc["action"]](doc)
                valid += 1
            except fastjsonschema.JsonSchemaException:
                pass
        return valid

    def ours_on(path):
        out = subprocess.run(
            ["taskset", "-c", "0", str(binary), "--ndjson", str(path)],
            stdout=subprocess.PIPE,
            check=False,
        )
        return out.stdout.count(b": ok ")

    def ours_run():
        return ours_on(corpus_path)

    # Process start and schema compile, measured on an empty input, are reported apart.
    empty = corpus_path.with_name("empty.ndjson")
    empty.write_bytes(b"")
    startup, _ = best_of(5, lambda: ours_on(empty))

    results = []
    for name, fn, runs in [
        ("webhooks-validate --ndjson (one core, process start and schema compile included)", ours_run, 5),
        ("python jsonschema (Draft7Validator, formats checked)", py_run, 1),
        ("python fastjsonschema", fast_run, 3),
    ]:
        seconds, valid = best_of(runs, fn)
        if valid != len(lines):
            print(f"{name}: only {valid} of {len(lines)} webhooks valid", file=sys.stderr)
            sys.exit(1)
        results.append((name, seconds))
        print(f"{name}: {seconds:.3f} s, {len(lines) / seconds:,.0f} webhooks/s, {size / seconds / 1e6:.1f} MB/s")

    ours = results[0][1]
    net = max(ours - startup, 1e-9)
    print(
        f"webhooks-validate start and schema compile: {startup:.3f} s; without them: "
        f"{net:.3f} s, {len(lines) / net:,.0f} webhooks/s, {size / net / 1e6:.1f} MB/s"
    )
    if size < 1e6:
        print("(corpus under 1 MB: the ratios below are dominated by process start)")
    for name, seconds in results[1:]:
        print(f"ratio {name} / ours: {seconds / ours:.1f}x (without our start and compile: {seconds / net:.1f}x)")


if __name__ == "__main__":
    main()
