"""A Standard Webhooks destination for scripts/forward-check.sh.

Each request is verified with the README's Python example (verify.py, extracted beside this
file), recorded as one JSON line, and answered: 500 to the first FAIL_FIRST attempts of each
webhook-id, then 204 when verified and 400 when not.

    python verifier_server.py PORT RECORDS FAIL_FIRST
"""

import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from verify import verify

port, records, fail_first = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
attempts: dict[str, int] = {}
lock = threading.Lock()


class Destination(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = dict(self.headers.items())
        msg_id = self.headers.get("webhook-id", "")
        try:
            verify(body, headers)
            verified, error = True, None
        except Exception as e:  # the verifier's error, recorded
            verified, error = False, f"{type(e).__name__}: {e}"
        with lock:
            attempts[msg_id] = attempts.get(msg_id, 0) + 1
            attempt = attempts[msg_id]
            status = 500 if attempt <= fail_first else (204 if verified else 400)
            line = {
                "id": msg_id,
                "attempt": attempt,
                "verified": verified,
                "error": error,
                "status": status,
                "content_type": self.headers.get("content-type"),
                "body": base64.b64encode(body).decode(),
            }
            with open(records, "a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", port), Destination).serve_forever()
