"""LiveChat Webhooks API bodies in Python: the JSON Schemas of each API version, pydantic
models of every structure, and `parse`/`errors` that give the verdicts of the Rust validator
`webhooks-validate`.

A community-maintained package, not LiveChat's.

    from livechat_webhooks.v3_6 import IncomingChatWebhook, parse

    webhook = parse(body)  # raises livechat_webhooks.InvalidWebhook (.errors: pointer, message)
    if isinstance(webhook, IncomingChatWebhook):
        print(webhook.payload.chat.id)

Each version has its module (`livechat_webhooks.v3_5`, `v3_6`, `v3_7`, or `module(version)`);
`schema(version, action=None)` gives a bundled JSON Schema, `validator(version)` a
`jsonschema.Draft7Validator` over it with the formats checked.
"""

from importlib import import_module
from types import ModuleType

from ._generated import MODULES, STABLE, VERSIONS
from ._runtime import InvalidWebhook
from ._schemas import known, schema, validator
from ._types import UnknownWebhook
from ._version import __version__


def module(version: str) -> ModuleType:
    """The module of `version` (e.g. `"3.6"`: `livechat_webhooks.v3_6`)."""
    return import_module(f".{MODULES[known(version)]}", __name__)


__all__ = [
    "InvalidWebhook",
    "STABLE",
    "UnknownWebhook",
    "VERSIONS",
    "__version__",
    "module",
    "schema",
    "validator",
]
