"""`parse` and `errors` of every version module: the body read as JSON as the Rust validator
reads it, checked against the version's schemas, then read into the models.
"""

from typing import Any, List, Tuple, TypeVar, Union

from pydantic import TypeAdapter, ValidationError

from . import _json, _schemas
from ._generated import ACTIONS, VERSIONS
from ._types import UnknownWebhook

W = TypeVar("W")

Body = Union[bytes, bytearray, memoryview, str]


class InvalidWebhook(ValueError):
    """A body the schemas of the version reject. `errors` lists what is wrong as (JSON pointer,
    message) pairs; the pointer of the whole body is `""`.
    """

    def __init__(self, errors: List[Tuple[str, str]]) -> None:
        self.errors = list(errors)
        shown = "; ".join(f"{pointer or '(root)'}: {message}" for pointer, message in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"invalid webhook: {shown}{more}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string" if isinstance(value, str) else "an array"


def _unknown(version: str, action: str) -> str:
    elsewhere = [v for v in VERSIONS if action in ACTIONS[v]]
    where = f" (an action of API v{', v'.join(elsewhere)})" if elsewhere else ""
    return f"unknown action `{action}` for API v{version}{where}"


def _check(version: str, body: Body) -> Tuple[Any, List[Tuple[str, str]], bool]:
    """The parsed body (None when it is not JSON), its errors, and whether its one error is an
    action the version does not know.
    """
    _schemas.known(version)
    try:
        value = _json.read(body)
    except _json.JsonError as e:
        return None, [(e.pointer, e.message)], False
    if not isinstance(value, dict):
        return value, [("", f"a webhook is a JSON object, found {_kind(value)}")], False
    action = value.get("action")
    if not isinstance(action, str):
        return value, _schemas.violations(version, None, value), False
    if action not in ACTIONS[version]:
        return value, [("/action", _unknown(version, action))], True
    return value, _schemas.violations(version, action, value), False


def errors(version: str, body: Body) -> List[Tuple[str, str]]:
    """What is wrong with `body` for `version`, empty for a valid body; never raises for a body
    of bytes or text.
    """
    try:
        return _check(version, body)[1]
    except RecursionError:
        return [("", "the body is nested too deeply to check")]


def _pydantic(error: ValidationError) -> List[Tuple[str, str]]:
    return [
        ("".join(f"/{_json.escape(token)}" for token in e["loc"]), e["msg"])
        for e in error.errors()
    ]


def parse(version: str, adapter: "TypeAdapter[W]", body: Body) -> Union[W, UnknownWebhook]:
    """The webhook of `body`, read by `adapter` once the schemas accept it; an action the
    version does not know as an `UnknownWebhook`. `InvalidWebhook` for anything else.
    """
    try:
        value, problems, unknown = _check(version, body)
    except RecursionError:
        raise InvalidWebhook([("", "the body is nested too deeply to check")]) from None
    try:
        if unknown:
            return UnknownWebhook.model_validate(value)
        if problems:
            raise InvalidWebhook(problems)
        return adapter.validate_python(value)
    except ValidationError as e:
        raise InvalidWebhook(_pydantic(e)) from None


__all__ = ["InvalidWebhook", "errors", "parse"]

