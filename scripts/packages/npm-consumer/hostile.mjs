// Hostile bodies for the npm check, built around one valid body: each with the verdict the
// Rust validator gives it (`accept`), and for all of them `parse` may throw nothing but
// InvalidWebhook. serde_json reads 127 levels of nesting (its recursion limit, 128, less one),
// refuses a number beyond the range of a double, a lone surrogate and a key twice in one
// object; JSON.parse alone lets each of these through.

/** `[{ name, body, accept }]` around `base`, the text of a valid webhook (an object). */
export function hostileBodies(base) {
  const open = base.trimEnd().slice(0, -1);
  const add = (member) => `${open}, ${member}}`;
  const nested = (n, o, c) => o.repeat(n) + c.repeat(n);
  const undocumented = Array.from({ length: 50000 }, (_, i) => `"k${i}": ${i}`).join(", ");
  return [
    { name: "100000 nested arrays in a member", body: add(`"x": ${nested(100000, "[", "]")}`), accept: false },
    { name: "1000000 nested arrays alone", body: nested(1000000, "[", "]"), accept: false },
    { name: "100000 nested objects in a member", body: add(`"x": ${nested(100000, '{"a":', "}").replace(/:}/, ":1}")}`), accept: false },
    { name: "127 levels (the limit)", body: add(`"x": ${nested(126, "[", "]")}`), accept: true },
    { name: "128 levels", body: add(`"x": ${nested(127, "[", "]")}`), accept: false },
    { name: "lone surrogate in the text", body: add('"x": "\ud800"'), accept: false },
    { name: "lone low surrogate in the text", body: add('"x": "a\udc00"'), accept: false },
    { name: "escaped lone surrogate", body: add('"x": "\\ud800"'), accept: false },
    { name: "escaped lone low surrogate", body: add('"x": "\\udc00\\u0041"'), accept: false },
    { name: "escaped surrogate pair", body: add('"x": "\\ud83d\\ude00"'), accept: true },
    { name: "escaped lone surrogate in a key", body: add('"\\ud800": 1'), accept: false },
    { name: "bytes that are not UTF-8", body: new Uint8Array([...new TextEncoder().encode(open), 0x2c, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), accept: false },
    { name: "byte order mark", body: `\ufeff${base}`, accept: false },
    { name: "number out of range", body: add('"x": 1e400'), accept: false },
    { name: "negative number out of range", body: add('"x": -1.8e308'), accept: false },
    { name: "huge integer", body: add('"x": 123456789012345678901234567890'), accept: true },
    { name: "tiny number", body: add('"x": 1e-400'), accept: true },
    { name: "duplicate key", body: add('"x": 1, "x": 2'), accept: false },
    { name: "duplicate key, one escaped", body: add('"x": 1, "\\u0078": 2'), accept: false },
    { name: "duplicate of a documented member", body: add('"action": "x"'), accept: false },
    { name: "duplicate key deep in a member", body: add('"x": [{"a": 1}, {"b": {"c": 1, "c": 2}}]'), accept: false },
    { name: "__proto__ key", body: add('"__proto__": {"polluted": true}'), accept: true },
    { name: "__proto__ key twice", body: add('"__proto__": 1, "__proto__": 2'), accept: false },
    { name: "50000 undocumented keys", body: add(undocumented), accept: true },
    { name: "array", body: "[1, 2]", accept: false },
    { name: "string", body: '"incoming_chat"', accept: false },
    { name: "null", body: "null", accept: false },
    { name: "number", body: "1", accept: false },
    { name: "empty text", body: "", accept: false },
    { name: "whitespace", body: " \n", accept: false },
    { name: "truncated", body: base.slice(0, base.length >> 1), accept: false },
    { name: "trailing characters", body: `${base} x`, accept: false },
    { name: "trailing whitespace", body: `${base}\n\t `, accept: true },
    { name: "not a string or bytes", body: 42, accept: false },
    { name: "undefined", body: undefined, accept: false },
  ];
}
