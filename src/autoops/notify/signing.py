"""HMAC-SHA256 signatures of webhook bodies, so that a receiver can tell our calls from forged ones.

The signature covers the exact bytes sent; receivers must verify the raw body before parsing it. The
header value is ``sha256=<hex digest>``, the shape GitHub and many others use, so common receiver code
works unchanged.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_HEADER", "sign_body", "verify_signature"]

SIGNATURE_HEADER = "X-Autoops-Signature-256"
_PREFIX = "sha256="


def sign_body(secret: str | bytes, body: bytes) -> str:
    """The header value for ``body`` signed with ``secret``."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return _PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify_signature(secret: str | bytes, body: bytes, header_value: str | None) -> bool:
    """Constant-time check of a received signature header against the raw body."""
    if not header_value or not header_value.startswith(_PREFIX):
        return False
    return hmac.compare_digest(sign_body(secret, body), header_value.strip())
