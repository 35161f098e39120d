"""The scalar types of the generated models, their base class, and the formats they check.

The scalar types take JSON's values only, as the schemas and the Rust types read them: a string
is never a number, a boolean is never an integer, and an integer may be written `1.0`
(JSON Schema counts it an integer).
"""

from typing import Annotated, Any, Dict, Optional, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)
from rfc3986_validator import validate_rfc3986  # type: ignore[import-untyped, unused-ignore]


class Model(BaseModel):
    """The base of every generated model: open to members the schemas do not document (LiveChat
    adds fields), which are kept in `model_extra`; a member whose name is not a Python attribute
    is read by its alias and may be given by either name.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise ValueError("null is not allowed here: the member is optional, leave it out instead")
    return value


NotNull = BeforeValidator(_refuse_null)
"""Refuses a member that is present with `null` (pydantic runs it only on given values)."""


def _json_integer(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not an integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Integer = Annotated[StrictInt, BeforeValidator(_json_integer)]
"""A JSON integer: an `int`, or a float with no fraction (`1.0`); never a boolean or a string."""

Number = Union[StrictInt, StrictFloat]
"""A JSON number: an `int` or a `float`, never a boolean or a string."""

String = StrictStr
"""A JSON string."""

Boolean = StrictBool
"""A JSON boolean."""


def _two(text: str, start: int) -> int:
    part = text[start : start + 2]
    return int(part) if len(part) == 2 and part.isdigit() else -1


def _date_ok(date: str) -> bool:
    if len(date) != 10 or date[4] != "-" or date[7] != "-" or not date[:4].isdigit():
        return False
    year, month, day = int(date[:4]), _two(date, 5), _two(date, 8)
    if not 1 <= month <= 12 or day < 1:
        return False
    if month == 2:
        leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
        return day <= (29 if leap else 28)
    return day <= (30 if month in (4, 6, 9, 11) else 31)


def _time_ok(time: str) -> bool:
    if len(time) < 9 or time[2] != ":" or time[5] != ":":
        return False
    hour, minute, second = _two(time, 0), _two(time, 3), _two(time, 6)
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 60):
        return False
    i = 8
    if i < len(time) and time[i] == ".":
        i += 1
        start = i
        while i < len(time) and time[i].isdigit():
            i += 1
        if i == start:
            return False
    if i == len(time):
        return False
    if time[i] in "Zz":
        return i == len(time) - 1 and (second != 60 or (hour == 23 and minute == 59))
    if time[i] not in "+-" or len(time) - i != 6 or time[i + 3] != ":":
        return False
    offset_hour, offset_minute = _two(time, i + 1), _two(time, i + 4)
    if not (0 <= offset_hour <= 23 and 0 <= offset_minute <= 59):
        return False
    if second != 60:
        return True
    # A leap second is the last second of a UTC day: 23:59:60 once the offset is undone.
    sign = -1 if time[i] == "+" else 1
    utc = ((hour + sign * offset_hour) * 60 + minute + sign * offset_minute) % (24 * 60)
    return utc == 23 * 60 + 59


def is_date_time(text: str) -> bool:
    """Whether `text` is an RFC 3339 date-time (`date-time` of JSON Schema), as the Rust
    validator reads it: `T` or `t` between date and time, `Z`, `z` or an offset, a leap second
    only at 23:59:60 UTC.
    """
    if not text.isascii():
        return False
    for i, c in enumerate(text):
        if c in "Tt":
            return _date_ok(text[:i]) and _time_ok(text[i + 1 :])
    return False


def is_uri(text: str) -> bool:
    """Whether `text` is an absolute URI of RFC 3986 (`uri` of JSON Schema)."""
    return bool(validate_rfc3986(text, rule="URI"))


def _date_time(value: str) -> str:
    if not is_date_time(value):
        raise ValueError("not an RFC 3339 date-time")
    return value


def _uri(value: str) -> str:
    if not is_uri(value):
        raise ValueError("not an absolute URI (RFC 3986)")
    return value


DateTime = Annotated[StrictStr, AfterValidator(_date_time)]
"""An RFC 3339 date-time, kept as its text (as the Rust types keep it)."""

Uri = Annotated[StrictStr, AfterValidator(_uri)]
"""An absolute URI, kept as its text."""


class UnknownWebhook(Model):
    """A webhook whose action the version does not know, as the Rust types' `Payload::Unknown`
    holds it: the envelope's members read, the payload untouched, any other member kept in
    `model_extra`. `parse` returns it; `errors` reports the action as unknown.
    """

    webhook_id: Annotated[String, Field(description="ID of the registered webhook.")]
    secret_key: Annotated[String, Field(description="Secret given at registration.")]
    action: Annotated[String, Field(description="Name of the action, unknown to the version.")]
    organization_id: Annotated[String, Field(description="ID of the organization.")]
    payload: Annotated[Any, Field(description="Data of the action, as received.")]
    additional_data: Annotated[
        Optional[Dict[str, Any]],
        NotNull,
        Field(description="Extra data of the delivery, as received."),
    ] = None
