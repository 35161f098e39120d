"""Typed use of `livechat_webhooks`, checked by `mypy --strict` and run on a body read from
standard input: `parse` narrowed by `isinstance` and by `action`, typed fields read.
"""

import sys
from typing import List, Tuple

from typing_extensions import assert_type

from livechat_webhooks import InvalidWebhook, UnknownWebhook, schema
from livechat_webhooks.v3_6 import (
    Agent,
    ChatTransferredWebhook,
    IncomingChatWebhook,
    MessageEvent,
    RoutingStatusSetWebhook,
    Webhook,
    errors,
    parse,
)


def describe(webhook: Webhook) -> str:
    """One line about a webhook of v3.6, its fields read with their types."""
    if webhook.action == "incoming_chat":
        assert_type(webhook, IncomingChatWebhook)
        chat = webhook.payload.chat
        agents: List[str] = [u.name or "" for u in chat.users if isinstance(u, Agent)]
        texts = [e.text for e in chat.thread.events or [] if isinstance(e, MessageEvent)]
        return f"incoming_chat {chat.id} agents={agents} messages={len(texts)}"
    if isinstance(webhook, RoutingStatusSetWebhook):
        status: str = webhook.payload.status
        return f"routing_status_set {webhook.payload.agent_id} {status}"
    if isinstance(webhook, ChatTransferredWebhook):
        return f"chat_transferred {webhook.payload.chat_id} {webhook.payload.reason}"
    return webhook.action


def main() -> int:
    body = sys.stdin.buffer.read()
    problems: List[Tuple[str, str]] = errors(body)
    try:
        webhook = parse(body)
    except InvalidWebhook as e:
        print("invalid", e.errors[0][0], len(problems))
        return 1
    if isinstance(webhook, UnknownWebhook):
        assert_type(webhook.action, str)
        print("unknown", webhook.action)
        return 0
    title = schema("3.6", webhook.action)["title"]
    print(describe(webhook), "|", title)
    return 0


if __name__ == "__main__":
    sys.exit(main())
