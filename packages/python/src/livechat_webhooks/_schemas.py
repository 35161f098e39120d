"""The bundles shipped in the package (`schemas/vX.Y/`, read with `importlib.resources`), the
Draft 7 validators over them with the formats checked, and a body's errors by JSON pointer.
"""

import copy
import functools
import json
from importlib import resources
from typing import Any, Dict, List, Optional, Tuple

from jsonschema import Draft7Validator, FormatChecker  # type: ignore[import-untyped, unused-ignore]

from ._generated import ACTIONS, BUNDLES, VERSIONS
from ._json import escape
from ._types import is_date_time, is_uri

MAX_ERRORS = 100
"""The most errors reported for one body, as the Rust validator reports."""

_MESSAGE_LENGTH = 300

FORMAT_CHECKER = FormatChecker(formats=())
"""Checks the formats the schemas use, `date-time` and `uri`, as the Rust validator does."""
FORMAT_CHECKER.checks("date-time")(lambda v: not isinstance(v, str) or is_date_time(v))
FORMAT_CHECKER.checks("uri")(lambda v: not isinstance(v, str) or is_uri(v))


def known(version: str) -> str:
    """`version` if the package knows it, else a `ValueError` naming the versions it knows."""
    if version not in BUNDLES:
        raise ValueError(f"unknown API version {version!r}: known are {', '.join(VERSIONS)}")
    return version


@functools.lru_cache(maxsize=None)
def _bundle(version: str, action: Optional[str]) -> Dict[str, Any]:
    folder = resources.files(__name__.rpartition(".")[0]).joinpath(BUNDLES[known(version)])
    if action is None:
        path = folder.joinpath("webhook.json")
    elif action in ACTIONS[version]:
        path = folder.joinpath("actions").joinpath(f"{action}.json")
    else:
        raise ValueError(f"API v{version} has no action {action!r}")
    value: Dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return value


def schema(version: str, action: Optional[str] = None) -> Dict[str, Any]:
    """The bundle of `version` (e.g. `"3.6"`): any webhook of the version, or with `action` that
    action's webhook. Self-contained JSON Schema (draft-07), a fresh copy on each call.
    """
    return copy.deepcopy(_bundle(version, action))


@functools.lru_cache(maxsize=None)
def validator(version: str) -> Draft7Validator:
    """A `jsonschema.Draft7Validator` over the bundle of `version`, checking the formats
    `date-time` and `uri`.
    """
    return Draft7Validator(_bundle(version, None), format_checker=FORMAT_CHECKER)


def _tag(target: Any, name: Optional[str]) -> Optional[Tuple[str, Any]]:
    """The required member fixed by `const` of an object schema (`name`'s, when given)."""
    if not isinstance(target, dict):
        return None
    required = target.get("required", [])
    for member, sub in target.get("properties", {}).items():
        if isinstance(sub, dict) and "const" in sub and member in required:
            if name is None or member == name:
                return member, sub["const"]
    return None


def _chain(alternatives: Any, defs: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The `if`/`then`/`else` chain that checks a tagged `oneOf` by its tag, or `None`."""
    if not isinstance(alternatives, list) or not alternatives:
        return None
    tag: Optional[str] = None
    arms = []
    for alternative in alternatives:
        reference = alternative.get("$ref", "") if isinstance(alternative, dict) else ""
        if len(alternative) != 1 or not reference.startswith("#/$defs/"):
            return None
        found = _tag(defs.get(reference[len("#/$defs/") :]), tag)
        if found is None:
            return None
        tag = found[0]
        arms.append((found[1], reference))
    values = [value for value, _ in arms]
    if tag is None or any(values.count(v) > 1 for v in values):
        return None
    rest: Dict[str, Any] = {"type": "object", "required": [tag], "properties": {tag: {"enum": values}}}
    for value, reference in reversed(arms):
        rest = {
            "if": {"type": "object", "required": [tag], "properties": {tag: {"const": value}}},
            "then": {"$ref": reference},
            "else": rest,
        }
    return rest


def _dispatch(node: Any, defs: Dict[str, Any]) -> Any:
    """`node` with every tagged `oneOf` checked by its tag: the same verdicts, with the errors
    of the alternative the tag names (and one `enum` error on an unknown tag) instead of every
    alternative's.
    """
    if isinstance(node, list):
        return [_dispatch(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: v if k in ("const", "enum") else _dispatch(v, defs) for k, v in node.items()}
    chain = _chain(node.get("oneOf"), defs)
    if chain is not None:
        del out["oneOf"]
        out.update(chain)
    return out


@functools.lru_cache(maxsize=None)
def _action_validator(version: str, action: str) -> Draft7Validator:
    bundle = _bundle(version, action)
    return Draft7Validator(_dispatch(bundle, bundle.get("$defs", {})), format_checker=FORMAT_CHECKER)


def violations(version: str, action: Optional[str], value: Any) -> List[Tuple[str, str]]:
    """The schema errors of a parsed body: against its action's schema, or the version's
    (`action` None) when the body has no action to dispatch on. At most `MAX_ERRORS`.
    """
    checker = validator(version) if action is None else _action_validator(version, action)
    out: List[Tuple[str, str]] = []
    for error in checker.iter_errors(value):
        pointer = "".join(f"/{escape(token)}" for token in error.absolute_path)
        message = error.message
        if len(message) > _MESSAGE_LENGTH:
            message = message[: _MESSAGE_LENGTH - 1] + "…"
        out.append((pointer, f"{message} [{error.validator}]"))
        if len(out) >= MAX_ERRORS:
            break
    return out
