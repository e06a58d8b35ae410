"""Encryption at rest for stored token sets: AES-256-GCM from the ``cryptography`` package
(``pip install 'mailoauth[encryption]'``).

The key is 32 bytes, given base64-encoded in ``$MAILOAUTH_STORE_KEY`` or in a key file
(``$MAILOAUTH_STORE_KEY_FILE``, or ``key_file=`` in the store URL; the file holds the base64 text,
mode 0600 advised). Make one with ``python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"``.

A sealed token set is a JSON object in place of the plain one::

    {"mailoauth_sealed": 1, "alg": "A256GCM", "kid": "<key id>", "nonce": "<b64>", "ct": "<b64>"}

with a random 96-bit nonce per write, the entry's key as associated data (a record moved to
another key does not open), and ``kid`` the first 16 hex digits of SHA-256 over the key (which
key sealed it, without revealing it). Reading a sealed record without the key, with another key,
or after tampering raises :class:`mailoauth.InvalidInputError` naming the cause: a record that
does not open is never taken for an empty one, and never overwritten by a read. Plain records
stay readable with a key set (they are sealed on their next write).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from typing import Any, Optional

from mailoauth._native import Error, error_from

__all__ = ["StoreKey", "key_from_env", "load_key_file", "is_sealed", "seal", "unseal"]

ALG = "A256GCM"
MARKER = "mailoauth_sealed"


def _bad(message: str) -> Error:
    return error_from("invalid_input", message)


class StoreKey:
    """A 32-byte AES-256-GCM key and its id (never shown: the repr holds the id only)."""

    def __init__(self, secret: bytes, source: str) -> None:
        if len(secret) != 32:
            raise _bad(f"the store key from {source} is {len(secret)} bytes: AES-256-GCM needs 32 (base64 of 32 random bytes)")
        self._secret = secret
        self.source = source
        self.kid = hashlib.sha256(secret).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"StoreKey(kid={self.kid!r}, source={self.source!r})"

    @classmethod
    def from_base64(cls, text: str, source: str) -> "StoreKey":
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise _bad(f"the store key from {source} is not base64 (expected base64 of 32 random bytes)") from None
        return cls(raw, source)

    def _aead(self) -> Any:
        try:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        except ImportError:
            raise _bad("encryption at rest needs the cryptography package: pip install 'mailoauth[encryption]'") from None
        return AESGCM(self._secret)


def load_key_file(path: str) -> StoreKey:
    """The key in a key file (base64 text)."""
    try:
        with open(os.path.expanduser(path), "rb") as f:
            data = f.read(4096)
    except OSError as e:
        raise _bad(f"cannot read the store key file {path}: {e.strerror or e}") from None
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise _bad(f"the store key file {path} is not base64 text") from None
    return StoreKey.from_base64(text, f"key file {path}")


def key_from_env(key_file: Optional[str] = None) -> Optional[StoreKey]:
    """The store key: ``key_file`` if given, else ``$MAILOAUTH_STORE_KEY`` (base64), else the file
    named by ``$MAILOAUTH_STORE_KEY_FILE``; ``None`` when none is set (no encryption)."""
    if key_file:
        return load_key_file(key_file)
    value = os.environ.get("MAILOAUTH_STORE_KEY")
    if value:
        return StoreKey.from_base64(value, "$MAILOAUTH_STORE_KEY")
    path = os.environ.get("MAILOAUTH_STORE_KEY_FILE")
    if path:
        return load_key_file(path)
    return None


def is_sealed(obj: Any) -> bool:
    """Whether a stored token set is sealed (an envelope, not a plain token set)."""
    return isinstance(obj, dict) and MARKER in obj


def seal(key: StoreKey, entry_key: str, tokens_json: str) -> dict[str, Any]:
    """The envelope of a token set (``TokenSet.to_json`` text) stored under ``entry_key``."""
    nonce = os.urandom(12)
    ct = key._aead().encrypt(nonce, tokens_json.encode("utf-8"), entry_key.encode("utf-8"))
    return {MARKER: 1, "alg": ALG, "kid": key.kid, "nonce": base64.b64encode(nonce).decode("ascii"),
            "ct": base64.b64encode(ct).decode("ascii")}


def unseal(key: Optional[StoreKey], entry_key: str, envelope: dict[str, Any], location: str) -> dict[str, Any]:
    """The token set (a dict) in an envelope; a clear :class:`mailoauth.InvalidInputError` when it
    cannot be opened (no key, another key, a corrupt or moved record)."""
    if key is None:
        raise _bad(f"the token entry in {location} is encrypted (key id {envelope.get('kid')}): set $MAILOAUTH_STORE_KEY "
                   "or $MAILOAUTH_STORE_KEY_FILE to the key that sealed it")
    if envelope.get(MARKER) != 1 or envelope.get("alg") != ALG:
        raise _bad(f"the token entry in {location} is sealed with an unknown format "
                   f"({envelope.get(MARKER)!r}, {envelope.get('alg')!r}): this mailoauth cannot open it")
    if envelope.get("kid") != key.kid:
        raise _bad(f"the token entry in {location} was sealed with key id {envelope.get('kid')}, but the key from "
                   f"{key.source} has id {key.kid}: use the key that sealed it")
    try:
        nonce = base64.b64decode(str(envelope.get("nonce")), validate=True)
        ct = base64.b64decode(str(envelope.get("ct")), validate=True)
    except (binascii.Error, ValueError):
        raise _bad(f"the token entry in {location} is corrupt (its sealed parts are not base64)") from None
    try:
        from cryptography.exceptions import InvalidTag
    except ImportError:
        raise _bad("encryption at rest needs the cryptography package: pip install 'mailoauth[encryption]'") from None
    try:
        plain = key._aead().decrypt(nonce, ct, entry_key.encode("utf-8"))
    except (InvalidTag, ValueError):
        raise _bad(f"the token entry in {location} does not open with key id {key.kid}: it is corrupt, was altered, "
                   "or was moved from another entry (it is left as it is)") from None
    try:
        tokens = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _bad(f"the token entry in {location} opened but does not hold JSON") from None
    if not isinstance(tokens, dict):
        raise _bad(f"the token entry in {location} opened but does not hold a token set")
    return tokens


class Codec:
    """Seals and opens the token sets of one store (a no-op without a key)."""

    def __init__(self, key: Optional[StoreKey], location: str) -> None:
        self.key = key
        self.location = location

    def encode(self, entry_key: str, tokens: dict[str, Any]) -> dict[str, Any]:
        if self.key is None:
            return tokens
        return seal(self.key, entry_key, json.dumps(tokens, sort_keys=True, separators=(",", ":")))

    def decode(self, entry_key: str, stored: Any) -> Any:
        if is_sealed(stored):
            return unseal(self.key, entry_key, stored, self.location)
        return stored
