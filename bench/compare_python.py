"""Measures `webhooks-validate --ndjson` side by side with its peers on one NDJSON stream of
webhooks, in one run, and prints a markdown table of throughputs and ratios.

usage:
  compare_python.py corpus ROUNDS OUT
      writes OUT: ROUNDS rounds through the valid samples (documented and extra) of the stable
      version in samples/index.json, each body with its ids varied; prints the version's
      schema folder
  compare_python.py measure SCHEMA_DIR CORPUS VALIDATOR VALUE_BASELINE
      times every tool on CORPUS and prints the table
  compare_python.py startup CORPUS VALIDATOR VALUE_BASELINE
      times one body of CORPUS checked by a whole process of each program; fails when the
      validator takes more than 3 times the bare program
"""

import gc
import json
import os
import pathlib
import random
import statistics
import subprocess
import sys
import time

# Keys whose string values are identifiers: varied from one copy of a body to the next.
ID_KEYS = {"id", "webhook_id", "chat_id", "thread_id", "user_id", "requester_id",
           "organization_id", "event_id", "customer_id", "agent_id", "license_id"}


def vary(value, rng, seen):
    """`value` with every identifier string replaced by a new one of the same shape (each
    character by a random one of its class: digit, a-f, other lower case, upper case), the same
    identifier by the same replacement within one body."""
    if isinstance(value, dict):
        return {
            key: (new_id(item, rng, seen) if key in ID_KEYS and isinstance(item, str)
                  else vary(item, rng, seen))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [vary(item, rng, seen) for item in value]
    return value


def new_id(old, rng, seen):
    if old not in seen:
        classes = ["0123456789", "abcdef", "abcdefghijklmnopqrstuvwxyz",
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
        out = []
        for c in old:
            pool = next((p for p in classes if c in p), None)
            out.append(rng.choice(pool) if pool else c)
        seen[old] = "".join(out)
    return seen[old]


def corpus(rounds, out):
    manifest = json.loads(pathlib.Path("samples/index.json").read_text())
    version = next(v for v in manifest["versions"] if v["version"] == manifest["stable_version"])
    folder = pathlib.Path(version["samples"])
    bodies = [json.loads((folder / f["file"]).read_text())
              for f in version["files"] if f["valid"] and f["kind"] in ("documented", "extra")]
    rng = random.Random(12)
    with open(out, "w") as stream:
        for _ in range(rounds):
            for body in bodies:
                stream.write(json.dumps(vary(body, rng, {}), separators=(",", ":")) + "\n")
    print(version["schemas"])
    print(f"{len(bodies)} samples of v{version['version']}, {rounds} rounds", file=sys.stderr)


def timed(fn):
    """How long fn() takes, in seconds, and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of_interleaved(tools):
    """The fastest timing of each tool (name, fn, runs) and its result, the tools' runs taken in
    turns (every tool's first run, then every second run...): a slow spell of a shared machine
    then falls on all tools alike, not on whichever ran during it."""
    best = [None] * len(tools)
    for turn in range(max(runs for _, _, runs in tools)):
        for i, (_, fn, runs) in enumerate(tools):
            if turn < runs:
                seconds, result = timed(fn)
                if best[i] is None or seconds < best[i][0]:
                    best[i] = (seconds, result)
    return best


def process(args):
    """Runs a command; returns its standard output (a failure to start or a crash stops all)."""
    # Standard error (the command's summary) is read, and shown only when the run fails.
    out = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if out.returncode not in (0, 1):
        sys.exit(f"{args[0]} exited with {out.returncode}: {out.stderr.decode(errors='replace')}")
    return out.stdout


def measure(schema_dir, corpus_path, binary, baseline):
    # Imported here: `corpus` runs before the packages are needed.
    import fastjsonschema
    import jsonschema
    import referencing
    from livechat.webhooks.parser import parse_webhook
    from importlib.metadata import version as installed

    store = {}
    for path in sorted(schema_dir.rglob("*.json")):
        doc = json.loads(path.read_text())
        store[doc["$id"]] = doc
    # Every `$id` is the base of the version followed by the file's path.
    base = json.loads((schema_dir / "webhook.json").read_text())["$id"].removesuffix("webhook.json")
    actions = {uri[len(base) + len("actions/"):-len(".json")]: doc
               for uri, doc in store.items() if uri.startswith(base + "actions/")}
    api_version = schema_dir.name.removeprefix("v")
    lines = corpus_path.read_bytes().splitlines()
    size = sum(len(line) + 1 for line in lines)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    registry = referencing.Registry().with_resources(
        (uri, referencing.Resource.from_contents(doc, default_specification=referencing.jsonschema.DRAFT7))
        for uri, doc in store.items()
    )
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    py_validators = {name: jsonschema.Draft7Validator(doc, registry=registry, format_checker=checker)
                     for name, doc in actions.items()}
    fast_validators = {name: fastjsonschema.compile(doc, handlers={"https": store.__getitem__})
                       for name, doc in actions.items()}

    def ours(*prefix):
        return lambda: process([*prefix, str(binary), "--api-version", api_version, "--ndjson", str(corpus_path)]).count(b": ok ")

    def value_parse():
        counts = process([str(baseline), str(corpus_path)]).split()
        return int(counts[0])

    def sdk():
        parsed = 0
        for line in lines:
            try:
                parse_webhook(json.loads(line), version=api_version)
                parsed += 1
            except ValueError:
                pass
        return parsed

    def loads():
        return sum(isinstance(json.loads(line), dict) for line in lines)

    def fast():
        valid = 0
        for line in lines:
            doc = json.loads(line)
            try:
                fast_validators[doc["action"]](doc)
                valid += 1
            except fastjsonschema.JsonSchemaException:
                pass
        return valid

    def draft7():
        valid = 0
        for line in lines:
            doc = json.loads(line)
            valid += py_validators[doc["action"]].is_valid(doc)
        return valid

    sdk_version = installed("lc-sdk-python")
    # A core this process may run on (not always core 0).
    one_core = str(min(os.sched_getaffinity(0)))
    tools = [
        (f"`webhooks-validate --ndjson` ({cores} cores, full validation)", ours(), 15, True),
        (f"`webhooks-validate --ndjson` on one core (`taskset -c {one_core}`)",
         ours("taskset", "-c", one_core), 9, True),
        ("Rust: each line into `serde_json::Value`, one thread", value_parse, 15, True),
        (f"`json.loads` + `lc-sdk-python` {sdk_version} `parse_webhook(..., version=\"{api_version}\")`",
         sdk, 9, False),
        ("Python `json.loads` alone", loads, 5, True),
        ("Python `fastjsonschema` (compiled once)", fast, 2, True),
        ("Python `jsonschema` Draft 7 (formats checked)", draft7, 1, True),
    ]
    startup = min(timed(lambda: process([str(binary), "--ndjson", os.devnull]))[0] for _ in range(5))
    print(f"stream: {len(lines)} webhooks, {size / 1e6:.1f} MB; {cores} cores available; "
          f"`webhooks-validate` start and schema compile on an empty input: {startup * 1e3:.0f} ms "
          f"(included below: every Rust tool is timed as a whole process, the Python ones in one "
          f"interpreter, without its start)\n")
    # What the set-up built (schemas, validators, the lines) is kept out of the collector's
    # scans, so that the Python tools are timed as in a program of their own.
    gc.collect()
    gc.freeze()
    results = []
    timings = best_of_interleaved([(name, fn, runs) for name, fn, runs, _ in tools])
    for (name, _, _, all_expected), (seconds, count) in zip(tools, timings):
        if all_expected and count != len(lines):
            sys.exit(f"{name}: {count} of {len(lines)} webhooks accepted")
        note = "" if count == len(lines) else f" ({count} of {len(lines)} bodies accepted)"
        results.append((name + note, seconds))

    ours_seconds = results[0][1]
    print("| tool | throughput MB/s | vs `webhooks-validate --ndjson` |")
    print("|---|---|---|")
    for i, (name, seconds) in enumerate(results):
        ratio = ours_seconds / seconds
        if i == 0:
            shown = "1.00×"
        elif ratio >= 1:
            shown = f"{ratio:.1f}× faster than us"
        else:
            shown = f"{1 / ratio:.1f}× slower"
        print(f"| {name} | {size / seconds / 1e6:.1f} | {shown} |")
    if size < 8e6:
        print(f"\n(a stream of {size / 1e6:.1f} MB, under 8 MB: process start weighs on the Rust figures)")


# The start-up of a one-body call may take at most this many times the bare program's.
STARTUP_LIMIT = 3.0


def startup(corpus_path, binary, baseline, runs=60):
    """One valid body checked by a whole `webhooks-validate` process, side by side with the bare
    serde_json program (examples/value_baseline.rs) reading the same body: the median of `runs`
    runs of each, taken in turns. Exits 1 when the ratio is over STARTUP_LIMIT."""
    with open(corpus_path) as stream:
        first = stream.readline()
    body = corpus_path.with_name("one-body.json")
    body.write_text(first)
    ours, bare = [], []
    for _ in range(runs):
        seconds, out = timed(lambda: process([str(binary), str(body)]))
        if not out.startswith(f"{body}: ok ".encode()):
            sys.exit(f"webhooks-validate did not accept the body: {out!r}")
        ours.append(seconds)
        seconds, out = timed(lambda: process([str(baseline), str(body)]))
        bare.append(seconds)
    ours_ms, bare_ms = statistics.median(ours) * 1e3, statistics.median(bare) * 1e3
    ratio = ours_ms / bare_ms
    print(f"\nstart-up, one valid body ({len(first)} bytes), whole process, median of {runs} runs "
          f"in turns:\n")
    print("| program | ms | ratio |")
    print("|---|---|---|")
    print(f"| bare serde_json program (`value_baseline`) | {bare_ms:.2f} | 1.00 |")
    print(f"| `webhooks-validate FILE` (clap, schemas compiled) | {ours_ms:.2f} | {ratio:.2f} |")
    if ratio > STARTUP_LIMIT:
        sys.exit(f"start-up ratio {ratio:.2f} is over {STARTUP_LIMIT}")


def main():
    if sys.argv[1:2] == ["corpus"]:
        corpus(int(sys.argv[2]), pathlib.Path(sys.argv[3]))
    elif sys.argv[1:2] == ["measure"]:
        measure(*map(pathlib.Path, sys.argv[2:6]))
    elif sys.argv[1:2] == ["startup"]:
        startup(*map(pathlib.Path, sys.argv[2:5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
