"""Generates pydantic v2 models from the per-action bundles with datamodel-code-generator, then
parses every valid sample with the model of its action."""

import importlib
import json
import pathlib
import shutil
import subprocess
import sys

import pydantic

import samples


def generate(actions_dir: pathlib.Path, out: pathlib.Path) -> None:
    """One module per action bundle in the package `out`, each with its root model `Webhook`."""
    if out.exists():
        shutil.rmtree(out)
    codegen = pathlib.Path(sys.executable).parent / "datamodel-codegen"
    subprocess.run(
        [
            str(codegen),
            "--input", str(actions_dir),
            "--input-file-type", "jsonschema",
            "--output-model-type", "pydantic_v2.BaseModel",
            "--class-name", "Webhook",
            "--formatters", "builtin",
            "--disable-timestamp",
            "--output", str(out),
        ],
        check=True,
    )


def main() -> int:
    actions_dir, samples_dir, out = (pathlib.Path(a) for a in sys.argv[1:4])
    package = out.name
    generate(actions_dir, out)
    sys.path.insert(0, str(out.parent))
    actions = sorted(p.stem for p in actions_dir.glob("*.json"))
    models = {}
    for action in actions:
        module = importlib.import_module(f"{package}.{action}")
        models[action] = module.Webhook
    failures = parsed = rejected = negatives = 0
    for sample in samples.load(samples_dir):
        value = sample.parse()
        action = value.get("action") if isinstance(value, dict) else None
        model = models.get(action)
        if sample.valid:
            if model is None:
                failures += 1
                print(f"  {sample.name}: no model for action {action!r}")
                continue
            try:
                model.model_validate(value)
                parsed += 1
            except pydantic.ValidationError as e:
                failures += 1
                print(f"  {sample.name}: {str(e)[:400]}")
        elif model is not None:
            negatives += 1
            try:
                model.model_validate(value)
            except pydantic.ValidationError:
                rejected += 1
    if rejected == 0:
        failures += 1
        print("  the models reject no negative sample at all: they check nothing")
    print(
        f"python-pydantic (datamodel-code-generator): {parsed} valid samples parsed by "
        f"{len(models)} generated models, {failures} failures "
        f"({rejected} of {negatives} negative samples rejected, for information)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
