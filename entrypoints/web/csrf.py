"""CSRF tokens: a signed double-submit, bound to the session.

Each browser gets a random nonce in an ``HttpOnly`` cookie; every form carries
``HMAC(key, nonce | session)`` in a hidden field, and a form whose field does not match
its cookies is refused (403) before anything reads it. Another site can make a browser
post a form, but it can neither read our cookies nor compute the HMAC without the
server's secret, and a nonce planted from elsewhere (a sibling subdomain setting
cookies) is useless without its token, which is also bound to the session it was made
for. Login and registration forms carry one too (no login CSRF). ADR 0022.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

CSRF_COOKIE = "clientbook_csrf"
CSRF_FIELD = "csrf_token"
_NONCE = re.compile(r"[A-Za-z0-9_-]{22,64}")


class CsrfRefused(Exception):
    """A state-changing form without a valid token: nothing is done, 403."""


class CsrfTokens:
    def __init__(self, secret: str) -> None:
        # A key of its own, derived from the app's secret: a CSRF token is never a valid
        # signature of anything else the secret signs.
        self._key = hashlib.sha256(b"clientbook csrf\x00" + secret.encode("utf-8")).digest()

    @staticmethod
    def new_nonce() -> str:
        return secrets.token_urlsafe(24)

    @staticmethod
    def usable_nonce(nonce: str | None) -> bool:
        return nonce is not None and _NONCE.fullmatch(nonce) is not None

    def token(self, nonce: str, session: str | None) -> str:
        message = f"{nonce}|{session or ''}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def check(self, nonce: str | None, session: str | None, token: object) -> None:
        """Raise ``CsrfRefused`` unless ``token`` was made for this nonce and session."""
        if not self.usable_nonce(nonce) or not isinstance(token, str) or len(token) > 128:
            raise CsrfRefused()
        assert nonce is not None  # noqa: S101 - usable_nonce said so
        if not hmac.compare_digest(self.token(nonce, session), token):
            raise CsrfRefused()
