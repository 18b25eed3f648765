"""AES-256-GCM encryption of data at rest with a rotatable keyring (Bijlage 2: encryption).

Ciphertext layout: ``b"v1:" + key id + b":" + 12-byte nonce + ciphertext||tag``. The first key in
the ring encrypts; every key decrypts, so a new key can be put first and old data re-encrypted
at leisure (``rotate``).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from portal.models.types import Cipher


class KeyringError(ValueError):
    """The keyring is malformed, or a ciphertext names an unknown key or fails to authenticate."""


@dataclass(frozen=True)
class Keyring:
    keys: tuple[tuple[str, bytes], ...]

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        """Parse ``"id:base64key,id2:base64key"`` (32-byte keys)."""
        keys = []
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key_id, sep, b64 = part.partition(":")
            if not sep or not key_id.isalnum():
                raise KeyringError("ENCRYPTION_KEYS entries look like id:base64key")
            key = base64.b64decode(b64, validate=True)
            if len(key) != 32:
                raise KeyringError(f"encryption key {key_id!r} must be 32 bytes")
            keys.append((key_id, key))
        if not keys:
            raise KeyringError("ENCRYPTION_KEYS holds no key")
        return cls(tuple(keys))

    @classmethod
    def derived(cls, secret: str) -> Keyring:
        """A development keyring derived from the secret key (never used in production)."""
        key = HKDF(hashes.SHA256(), 32, salt=None, info=b"voxio-portal-dev-encryption").derive(
            secret.encode()
        )
        return cls((("dev", key),))

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def encrypt(self, plaintext: bytes, associated: bytes = b"") -> bytes:
        key_id, key = self.keys[0]
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, plaintext, associated)
        return b"v1:" + key_id.encode() + b":" + nonce + sealed

    def decrypt(self, blob: bytes, associated: bytes = b"") -> bytes:
        try:
            version, key_id, rest = bytes(blob).split(b":", 2)
        except ValueError as exc:
            raise KeyringError("not an encrypted blob") from exc
        if version != b"v1":
            raise KeyringError("unknown ciphertext version")
        key = dict(self.keys).get(key_id.decode())
        if key is None:
            raise KeyringError(f"unknown encryption key {key_id.decode()!r}")
        try:
            return AESGCM(key).decrypt(rest[:12], rest[12:], associated)
        except Exception as exc:  # cryptography raises InvalidTag
            raise KeyringError("ciphertext failed authentication") from exc

    def key_id_of(self, blob: bytes) -> str:
        return bytes(blob).split(b":", 2)[1].decode()

    def rotate(self, blob: bytes, associated: bytes = b"") -> bytes:
        """Re-encrypt under the current key (no-op result if already current)."""
        if self.key_id_of(blob) == self.current_id:
            return blob
        return self.encrypt(self.decrypt(blob, associated), associated)


def new_key_spec(key_id: str = "k1") -> str:
    """A fresh keyring entry for configuration."""
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def app_keyring() -> Keyring:
    """The configured keyring; in development, one derived from SECRET_KEY."""
    cfg = current_app.config
    spec = cfg["ENCRYPTION_KEYS"] or ""
    cached = current_app.extensions.get("portal.keyring")
    if cached is not None and cached[0] == (spec, cfg["SECRET_KEY"]):
        return cached[1]
    ring = Keyring.parse(spec) if spec else Keyring.derived(cfg["SECRET_KEY"])
    current_app.extensions["portal.keyring"] = ((spec, cfg["SECRET_KEY"]), ring)
    return ring


def install_column_cipher() -> None:
    """Let encrypted columns (models.types.EncryptedText) use the current app's keyring."""
    Cipher.seal = lambda data, associated: app_keyring().encrypt(data, associated)
    Cipher.open = lambda blob, associated: app_keyring().decrypt(blob, associated)
