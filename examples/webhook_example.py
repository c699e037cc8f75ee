"""A batch-completion webhook receiver using only Python's standard library.

    python3 examples/webhook_example.py --port 8000 --secret your-secret-key

Then submit a batch with "webhook_url": "http://127.0.0.1:8000/webhook" and the same
"webhook_secret". The receiver verifies X-Webhook-Signature with the guide's
verify_webhook_signature, refuses stale timestamps, ignores repeats of a webhook-id, and
answers 200 at once (do slow work after responding, or queue it).
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_AGE_SECONDS = 300


def verify_webhook_signature(payload: str, signature: str, secret: str) -> bool:
    """Verify webhook signature"""
    expected_signature = hmac.new(
        secret.encode('utf-8'),
        payload.encode('utf-8'),
        hashlib.sha256
    ).hexdigest()

    return hmac.compare_digest(f"sha256={expected_signature}", signature)


def make_handler(secret: str):
    seen_ids = {}

    class WebhookHandler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("utf-8")
            signature = self.headers.get("X-Webhook-Signature", "")
            timestamp = self.headers.get("X-Webhook-Timestamp", "0")
            webhook_id = self.headers.get("webhook-id", "")

            if not verify_webhook_signature(body, signature, secret):
                return self.reply(401, "rejected: bad signature")
            if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
                return self.reply(400, "rejected: stale timestamp")
            if webhook_id and webhook_id in seen_ids:
                return self.reply(200, f"duplicate {webhook_id} ignored")
            seen_ids[webhook_id] = time.time()

            event = json.loads(body)
            self.reply(200, f"verified batch {event['batch_id']} status={event['status']} "
                            f"stored={event['successful_memories']}/{event['total_memories']}")

        def reply(self, status: int, message: str):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"message": message}).encode("utf-8"))
            print(message, flush=True)

        def log_message(self, *args):  # keep stdout to one line per webhook
            pass

    return WebhookHandler


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--secret", default=os.environ.get("WEBHOOK_SECRET", "your-secret-key"))
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.secret))
    print(f"listening on http://127.0.0.1:{server.server_address[1]}/webhook", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
