"""Rate-limit keys as fixed-size digests, whatever the caller sent."""

from __future__ import annotations

import hashlib

DIGEST_BYTES = 16


def key_digest(key: str) -> bytes:
    """16 bytes standing for ``key`` (BLAKE2b; collisions are out of reach).

    Every adapter stores this instead of the key itself, so a key costs the same
    whether it is an address or a megabyte of text, and no caller's input (an email
    address) is kept in the clear.
    """
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=DIGEST_BYTES).digest()
