"""The samples of one API version and the verdict each must get, shared by the Python checks.

The list comes from samples/index.json (written by `cargo xtask codegen`); the files are read
from the folder given, so that a modified copy of the samples can be checked.
Environment: POLYGLOT_MANIFEST (the manifest's path) and POLYGLOT_VERSION (e.g. 3.5).
"""

import json
import os
import pathlib
from dataclasses import dataclass


@dataclass
class Sample:
    """One sample file: its name below the samples directory and what it must give."""

    name: str
    text: str
    valid: bool
    # For a negative sample: the JSON pointer of the instance the error must point at.
    pointer: str | None = None

    def parse(self):
        """The parsed JSON, or None when the file is not JSON."""
        try:
            return json.loads(self.text)
        except json.JSONDecodeError:
            return None


def load(samples_dir: pathlib.Path) -> list[Sample]:
    """The version's samples as the manifest lists them, read from `samples_dir`."""
    manifest = json.loads(pathlib.Path(os.environ["POLYGLOT_MANIFEST"]).read_text(encoding="utf-8"))
    version = os.environ["POLYGLOT_VERSION"]
    entry = next((v for v in manifest["versions"] if v["version"] == version), None)
    if entry is None:
        raise SystemExit(f"samples/index.json has no version {version}")
    out = []
    for f in entry["files"]:
        text = (samples_dir / f["file"]).read_text(encoding="utf-8")
        out.append(Sample(f["file"].removesuffix(".json"), text, f["valid"], f.get("pointer")))
    if not any(s.valid for s in out) or all(s.valid for s in out):
        raise SystemExit(f"{samples_dir}: expected valid and negative samples")
    return out
