"""The seed guide's verifier, verbatim, run against what the service actually sent.

usage: python3 seed_verify.py <body-file> <signature> <secret>   (prints True or False)
"""
import hmac
import hashlib
import json
import sys


def verify_webhook_signature(payload: str, signature: str, secret: str) -> bool:
    """Verify webhook signature"""
    expected_signature = hmac.new(
        secret.encode('utf-8'),
        payload.encode('utf-8'),
        hashlib.sha256
    ).hexdigest()
    
    return hmac.compare_digest(f"sha256={expected_signature}", signature)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        print(verify_webhook_signature(f.read(), sys.argv[2], sys.argv[3]))
