"""Writes the hostile inputs measured by bench/hostile.sh into a directory.

usage: hostile.py SAMPLES_DIR OUT_DIR
"""

import json
import pathlib
import sys


def compact(value):
    return json.dumps(value, separators=(",", ":"))


def main():
    samples, out = map(pathlib.Path, sys.argv[1:3])
    out.mkdir(parents=True, exist_ok=True)
    chat = json.loads((samples / "incoming_chat.json").read_text())
    tagged = json.loads((samples / "thread_tagged.json").read_text())
    thread = chat["payload"]["chat"]["thread"]

    # 20,000 message events, each with one wrong type inside the event union.
    message = next(e for e in thread["events"] if e["type"] == "message")
    events = []
    for i in range(20_000):
        event = dict(message, id=f"K600PKZON8_{i}", text=7)
        events.append(event)
    thread["events"] = events
    (out / "events_20k_invalid.json").write_text(compact(chat))

    # 100,000 integers where events belong.
    thread["events"] = [1] * 100_000
    (out / "events_100k_integers.json").write_text(compact(chat))

    # The worst case within the default --max-body-size: 1 MB of integers as events.
    thread["events"] = [1] * 500_000
    (out / "events_1mb_integers.json").write_text(compact(chat))

    # 50,000 undocumented keys in a payload (for --strict).
    payload = dict(tagged["payload"])
    for i in range(50_000):
        payload[f"k{i}"] = 0
    (out / "strict_50k_keys.json").write_text(compact(dict(tagged, payload=payload)))

    # One 60 MB string in a valid body.
    big = dict(tagged, payload=dict(tagged["payload"], tag="x" * (60 << 20)))
    (out / "body_60mb_string.json").write_text(compact(big))

    # NDJSON: a valid line, one 200 MB line, another valid line.
    line = compact(tagged)
    huge = compact(dict(tagged, payload=dict(tagged["payload"], tag="x" * (200 << 20))))
    with open(out / "ndjson_200mb_line.ndjson", "w") as f:
        f.write(line + "\n" + huge + "\n" + line + "\n")

    # Not hostile, for comparison: the valid samples, 400 times each, as NDJSON (8 MB).
    lines = [compact(json.loads(p.read_text())) for p in sorted(samples.glob("*.json"))
             if p.name != "errata.json"]
    (out / "valid_corpus.ndjson").write_text("\n".join(lines * 400) + "\n")

    # NDJSON: a valid line, one 50 MB line of integers, another valid line.
    with open(out / "ndjson_50mb_integers.ndjson", "w") as f:
        f.write(line + "\n[")
        f.write("1," * (25 << 20))
        f.write("1]\n" + line + "\n")


if __name__ == "__main__":
    main()
