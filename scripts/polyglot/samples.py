"""The samples of samples/v3.5/ and the verdict each must get, shared by the Python checks."""

import json
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
    """Valid samples (top level and extra/) and negative ones (invalid/, per expected.json)."""
    out = []
    for path in sorted(samples_dir.glob("*.json")) + sorted(samples_dir.glob("extra/*.json")):
        if path.name == "errata.json" and path.parent == samples_dir:
            continue  # the repairs applied to the documented samples, not a sample
        name = path.relative_to(samples_dir).with_suffix("").as_posix()
        out.append(Sample(name, path.read_text(encoding="utf-8"), True))
    expected = json.loads((samples_dir / "invalid" / "expected.json").read_text(encoding="utf-8"))
    negatives = sorted(p for p in (samples_dir / "invalid").glob("*.json") if p.name != "expected.json")
    names = {p.stem for p in negatives}
    if names != set(expected):
        raise SystemExit(
            f"invalid/expected.json and invalid/*.json differ: "
            f"files only {sorted(names - set(expected))}, entries only {sorted(set(expected) - names)}"
        )
    for path in negatives:
        pointer = expected[path.stem]["pointer"]
        out.append(Sample(f"invalid/{path.stem}", path.read_text(encoding="utf-8"), False, pointer))
    if not any(s.valid for s in out) or all(s.valid for s in out):
        raise SystemExit(f"{samples_dir}: expected valid and negative samples")
    return out
