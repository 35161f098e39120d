import { parse, UnknownWebhook } from "livechat-webhooks";

export function describe(body: string): string {
  const webhook = parse(body); // throws InvalidWebhook, with .errors, for an invalid body
  if (webhook instanceof UnknownWebhook) return `unknown action ${webhook.action}`;
  if (webhook.action === "incoming_chat") return `chat ${webhook.payload.chat.id}`;
  return webhook.action;
}
