"""Drives `serve --forward` against the README's verifiers (scripts/forward-check.sh).

Destinations: the Python verifier, the TypeScript verifier, a Python verifier answering 500 to
the first two attempts of each message, and a Python verifier started only 15 s after the
samples were sent (down until then). Every documented sample is sent twice with
`webhooks-receiver send` (keyed redeliveries are then deduplicated by the inbox). Checked, for
each destination: every stored delivery arrives, verified by `standardwebhooks`, under one
webhook-id per delivery and once (the flaky one: 500, 500, then verified, same id), its body
byte for byte the stored body, without the secret; no redelivery the inbox deduplicated is
forwarded.

    python check.py BIN WORK_DIR NODE_DIR
"""

import base64
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import sys
import time

BIN, WORK, NODE = sys.argv[1], sys.argv[2], sys.argv[3]
HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = "forward-check-livechat-secret"
FORWARD_SECRET = "whsec_" + base64.b64encode(b"forward-check-signing-secret-32b").decode()
DOWN_FOR = 15.0
PATIENCE = 180.0
failures: list[str] = []


def fail(message: str) -> None:
    failures.append(message)
    print(f"forward-check: FAIL {message}", file=sys.stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def records(name: str) -> list[dict]:
    path = os.path.join(WORK, f"{name}.ndjson")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


env = dict(os.environ, WEBHOOKS_FORWARD_SECRET=FORWARD_SECRET, PYTHONDONTWRITEBYTECODE="1")
children: list[subprocess.Popen] = []
# A SIGTERM (CI cancelling) ends the script through its `finally`, which stops the children.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))


def start(args: list[str], **kwargs) -> subprocess.Popen:
    child = subprocess.Popen(args, env=env, **kwargs)
    children.append(child)
    return child


def python_verifier(name: str, port: int, fail_first: int) -> None:
    start([sys.executable, os.path.join(WORK, "verifier_server.py"), str(port),
           os.path.join(WORK, f"{name}.ndjson"), str(fail_first)], cwd=WORK)


def wait_listening(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"forward-check: nothing listens on port {port}")


def main() -> None:
    for name in ("python", "typescript", "flaky", "down"):
        path = os.path.join(WORK, f"{name}.ndjson")
        if os.path.exists(path):
            os.remove(path)
    ports = {name: free_port() for name in ("python", "typescript", "flaky", "down")}
    python_verifier("python", ports["python"], 0)
    python_verifier("flaky", ports["flaky"], 2)
    start(["node", os.path.join(NODE, "out", "verifier_server.js"), str(ports["typescript"]),
           os.path.join(WORK, "typescript.ndjson")], cwd=NODE)
    for name in ("python", "typescript", "flaky"):
        wait_listening(ports[name])

    db = os.path.join(WORK, "inbox.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    secrets = os.path.join(WORK, "secrets")
    with open(secrets, "w", encoding="utf-8") as f:
        f.write(SECRET + "\n")
    args = [BIN, "serve", "--listen", "127.0.0.1:0", "--db", db, "--secret-key-file", secrets]
    for name, port in ports.items():
        args += ["--forward", f"http://127.0.0.1:{port}/{name}"]
    serve = start(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = None
    # Bounded: serve is killed (and stderr ends) if it does not say where it listens in 60 s.
    watchdog = threading.Timer(60, lambda: url is None and serve.kill())
    watchdog.daemon = True
    watchdog.start()
    for line in serve.stderr:
        found = re.search(r"listening on (http://[0-9.:]+/)", line)
        if found:
            url = found.group(1)
            break
    if url is None:
        raise SystemExit("forward-check: serve did not start")
    # The rest of serve's log is read and dropped so that it never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in serve.stderr], daemon=True).start()

    sent = subprocess.run([BIN, "send", url, "--all", "--repeat", "2", "-q",
                           "--secret-key-file", secrets], cwd=os.path.join(HERE, "..", ".."),
                          env=env, capture_output=True, text=True, timeout=120)
    if sent.returncode != 0:
        raise SystemExit(f"forward-check: send failed: {sent.stdout}{sent.stderr}")
    sent_at = time.monotonic()
    posts = len(sent.stdout.splitlines())

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    instance = conn.execute("SELECT value FROM inbox_meta WHERE name = 'instance'").fetchone()[0]
    stored = {f"msg_{instance}_{i}": body.encode()
              for i, body in conn.execute("SELECT id, body FROM inbox")}
    keyed, duplicates = conn.execute(
        "SELECT COUNT(event_key), COALESCE(SUM(duplicates), 0) FROM inbox").fetchone()
    print(f"forward-check: {posts} posts, {len(stored)} stored ({keyed} keyed), "
          f"{duplicates} keyed redeliveries deduplicated")
    if duplicates == 0:
        fail("no keyed redelivery was deduplicated: the check of them proves nothing")

    def done(name: str) -> bool:
        return {r["id"] for r in records(name) if r["status"] == 204} >= set(stored)

    time.sleep(max(0.0, DOWN_FOR - (time.monotonic() - sent_at)))
    python_verifier("down", ports["down"], 0)
    returned_at = time.monotonic()
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline and not all(map(done, ports)):
        time.sleep(0.2)
    print(f"forward-check: the destination down for {DOWN_FOR:.0f} s was served "
          f"{time.monotonic() - returned_at:.1f} s after it returned")
    time.sleep(2)  # time for any second forward to show

    for name in ports:
        seen = records(name)
        accepted = [r for r in seen if r["status"] == 204]
        ids = [r["id"] for r in accepted]
        if set(ids) != set(stored):
            fail(f"{name}: {len(set(ids) & set(stored))} of {len(stored)} stored deliveries "
                 f"verified, {len(set(ids) - set(stored))} unknown ids")
        if len(ids) != len(set(ids)):
            fail(f"{name}: {len(ids) - len(set(ids))} deliveries accepted more than once")
        for r in seen:
            body = base64.b64decode(r["body"])
            if not r["verified"]:
                fail(f"{name}: {r['id']} attempt {r['attempt']} not verified: {r['error']}")
            if r["id"] in stored and body != stored[r["id"]]:
                fail(f"{name}: {r['id']} body differs from the stored bytes")
            if SECRET.encode() in body:
                fail(f"{name}: {r['id']} carries LiveChat's secret")
            if r["content_type"] != "application/json":
                fail(f"{name}: {r['id']} Content-Type {r['content_type']}")
        if name == "flaky":
            statuses: dict[str, list[int]] = {}
            for r in seen:
                statuses.setdefault(r["id"], []).append(r["status"])
            wrong = {i: s for i, s in statuses.items() if s != [500, 500, 204]}
            if wrong:
                fail(f"flaky: attempts not 500, 500, 204 under one id: {list(wrong.items())[:3]}")
        print(f"forward-check: {name}: {len(seen)} requests, {len(set(ids))} deliveries verified")


try:
    main()
finally:
    for child in children:
        child.kill()
        child.wait()

if failures:
    print(f"forward-check: 0 passed, {len(failures)} failed", file=sys.stderr)
    sys.exit(1)
print("forward-check: every stored delivery verified once at each destination")
