"""A webhook body read as JSON the way the Rust validator reads it: UTF-8 only, one value with
nothing after it, no key twice in an object, no `NaN` or `Infinity`, no number beyond a
double's range, no lone surrogate escape, at most 127 levels of nesting. Anything else is a
`JsonError`, never another exception.
"""

import json
import math
import re
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

MAX_DEPTH = 127
"""The deepest nesting of arrays and objects read (serde_json's recursion limit)."""

_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonError(Exception):
    """A body that is not one JSON value the validator reads; `pointer` is where, when known."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message


class _Duplicated(Dict[str, Any]):
    """An object that had a key twice: the key, kept to say where."""

    duplicate = ""


def _object(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    seen = set()
    marked = _Duplicated(value)
    for key, _ in pairs:
        if key in seen:
            marked.duplicate = key
            break
        seen.add(key)
    return marked


def _constant(name: str) -> Any:
    raise JsonError("", f"invalid JSON: {name} is not a JSON value")


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonError("", f"invalid JSON: number out of range: {text[:40]}")
    return value


def _int(text: str) -> int:
    # Beyond 309 digits an integer is out of a double's range, where the validator stops; int()
    # of so many digits could also fail on Python's limit of digits.
    if len(text) > 309 and math.isinf(float(text)):
        raise JsonError("", f"invalid JSON: number out of range: {text[:40]}…")
    return int(text)


def escape(token: Union[str, int]) -> str:
    """One token of a JSON pointer."""
    return str(token).replace("~", "~0").replace("/", "~1")


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def _text(body: Union[bytes, bytearray, memoryview, str]) -> str:
    if isinstance(body, str):
        bad = _SURROGATE.search(body)
        if bad:
            raise JsonError("", f"invalid UTF-8: a surrogate at character {bad.start()}")
        return body
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(f"a webhook body is bytes or str, not {type(body).__name__}")
    try:
        return bytes(body).decode("utf-8")
    except UnicodeDecodeError as e:
        raise JsonError("", f"invalid UTF-8 at byte {e.start}") from None


def _check_depth(text: str) -> None:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for token in _TOKENS.finditer(text):
        c = token.group()
        if c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                where = _position(text, token.start())
                raise JsonError("", f"invalid JSON: recursion limit exceeded at {where}")
        elif c in "]}":
            depth -= 1


def _walk(value: Any) -> Iterator[Tuple[str, Any]]:
    """Every (pointer, value) of the tree, parents first, without recursion."""
    stack: List[Tuple[str, Any]] = [("", value)]
    while stack:
        pointer, node = stack.pop()
        yield pointer, node
        if isinstance(node, dict):
            items = [(f"{pointer}/{escape(k)}", v) for k, v in node.items()]
            stack.extend(reversed(items))
        elif isinstance(node, list):
            stack.extend(reversed([(f"{pointer}/{i}", v) for i, v in enumerate(node)]))


def _lone_surrogate(value: Any) -> Optional[str]:
    for pointer, node in _walk(value):
        if isinstance(node, str) and _SURROGATE.search(node):
            return pointer
        if isinstance(node, dict):
            for key in node:
                if _SURROGATE.search(key):
                    return f"{pointer}/{escape(key)}"
    return None


def read(body: Union[bytes, bytearray, memoryview, str]) -> Any:
    """The JSON value of `body`; `JsonError` for anything the validator would not read
    (`TypeError` for a body that is neither bytes nor text).
    """
    text = _text(body)
    if not text.strip(" \t\n\r\f"):
        raise JsonError("", "invalid JSON: empty input")
    _check_depth(text)
    duplicated: List[Dict[str, Any]] = []

    def pairs(members: List[Tuple[str, Any]]) -> Dict[str, Any]:
        value = _object(members)
        if isinstance(value, _Duplicated):
            duplicated.append(value)
        return value

    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=_constant,
            parse_float=_float,
            parse_int=_int,
        )
    except json.JSONDecodeError as e:
        raise JsonError("", f"invalid JSON: {e.msg} at {_position(text, e.pos)}") from None
    except RecursionError:
        raise JsonError("", "invalid JSON: recursion limit exceeded") from None
    for pointer, node in _walk(value) if duplicated else ():
        if isinstance(node, _Duplicated):
            key = node.duplicate
            raise JsonError(f"{pointer}/{escape(key)}", f"duplicate key `{key}`")
    if _SURROGATE_ESCAPE.search(text):
        where = _lone_surrogate(value)
        if where is not None:
            raise JsonError(where, "invalid JSON: a lone surrogate escape in a string")
    return value
