"""Encryption at rest (AES-256-GCM under named keys) and keyed hashes for lookups."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app

from ivig_home.config import instance_secret

KEYS_FILE = "encryption_keys"
HMAC_KEY_FILE = "hmac_key"
FORMAT = b"\x01"
KEY_ID = re.compile(r"^[a-z0-9]{8}$")
NONCE_SIZE = 12
HEADER_SIZE = 1 + 8 + NONCE_SIZE


class UnknownKey(LookupError):
    """A blob was sealed under a key that this keyring does not hold."""


def new_key() -> tuple[str, bytes]:
    """Return a fresh key id and 256-bit key."""
    return secrets.token_hex(4), AESGCM.generate_key(bit_length=256)


def format_keys(keys: list[tuple[str, bytes]]) -> str:
    """Return keys as 'id:base64' lines, the current key first."""
    return "".join(f"{kid}:{base64.b64encode(key).decode()}\n" for kid, key in keys)


def parse_keys(text: str | list[str]) -> list[tuple[str, bytes]]:
    """Read 'id:base64' entries (lines, commas or a JSON list); the first is current."""
    entries = text if isinstance(text, list) else re.split(r"[\s,]+", text)
    keys = []
    for entry in entries:
        if not entry or entry.startswith("#"):
            continue
        kid, _, encoded = entry.partition(":")
        key = base64.b64decode(encoded, validate=True)
        if not KEY_ID.match(kid) or len(key) != 32:
            raise ValueError("each encryption key must be 'id:base64' with an 8-character "
                             "lower-case id and a 32-byte key")
        keys.append((kid, key))
    if not keys:
        raise ValueError("no encryption key given")
    return keys


def write_keys_file(path: Path, keys: list[tuple[str, bytes]], *, replace: bool) -> None:
    """Write the keys file with mode 0600; atomically, and only if absent unless replacing."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(format_keys(keys))
        handle.flush()
        os.fsync(handle.fileno())
    try:
        if replace:
            os.replace(temporary, path)
        else:
            # A hard link fails if another process created the file first: theirs wins.
            os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


class Keyring:
    """The encryption keys: the first seals, every one of them opens."""

    def __init__(self, keys: list[tuple[str, bytes]], path: Path | None = None) -> None:
        self.path = path
        self._stamp = self._file_stamp()
        self._use(keys)

    def _use(self, keys: list[tuple[str, bytes]]) -> None:
        self.current_id = keys[0][0]
        self.keys = {kid: AESGCM(key) for kid, key in keys}
        self.ids = [kid for kid, _ in keys]

    def _file_stamp(self) -> tuple[int, int] | None:
        if self.path is None or not self.path.exists():
            return None
        stat = self.path.stat()
        return stat.st_mtime_ns, stat.st_size

    def refresh(self) -> None:
        """Reread the keys file when another process (rotate-key) has changed it."""
        stamp = self._file_stamp()
        if self.path is not None and stamp != self._stamp:
            self._use(parse_keys(self.path.read_text()))
            self._stamp = stamp

    def seal(self, plaintext: bytes, context: str) -> bytes:
        """Encrypt under the current key, binding the blob to its row and column."""
        self.refresh()
        nonce = os.urandom(NONCE_SIZE)
        sealed = self.keys[self.current_id].encrypt(nonce, plaintext, context.encode())
        return FORMAT + self.current_id.encode() + nonce + sealed

    def open(self, blob: bytes, context: str) -> bytes:
        """Decrypt a blob sealed by seal() for the same context."""
        kid = key_id(blob)
        if kid not in self.keys:
            self.refresh()
        if kid not in self.keys:
            raise UnknownKey(f"no encryption key with id {kid!r}")
        nonce = blob[9:HEADER_SIZE]
        return self.keys[kid].decrypt(nonce, blob[HEADER_SIZE:], context.encode())


def key_id(blob: bytes) -> str:
    """Return the id of the key a blob was sealed under."""
    if len(blob) < HEADER_SIZE or blob[:1] != FORMAT:
        raise ValueError("not an ivig_home encrypted value")
    return blob[1:9].decode("ascii")


def load_keyring(app: Flask) -> Keyring:
    """Return the keys from ENCRYPTION_KEYS, else instance/encryption_keys (made if missing)."""
    configured = app.config.get("ENCRYPTION_KEYS")
    if configured:
        return Keyring(parse_keys(configured))
    path = Path(app.instance_path) / KEYS_FILE
    if not path.exists():
        write_keys_file(path, [new_key()], replace=False)
    return Keyring(parse_keys(path.read_text()), path)


def keyring() -> Keyring:
    """Return the current app's keyring, loading it on first use."""
    extensions = current_app.extensions
    if "ivig_home.keyring" not in extensions:
        extensions["ivig_home.keyring"] = load_keyring(current_app)
    found: Keyring = extensions["ivig_home.keyring"]
    return found


def sealed_context(table: str, column: str, owner: str) -> str:
    """Return what a blob is bound to: table, column and the row (or submission) owning it.

    Drafts and submissions are bound to their own id; PDFs, reviews and notes to the
    submission's id, so a blob copied to another row or submission no longer opens.
    """
    return f"{table}.{column}:{owner}"


def seal(value: Any, context: str) -> bytes:
    """Encrypt a JSON value for one column of one row."""
    return keyring().seal(json.dumps(value, ensure_ascii=False).encode(), context)


def unseal(blob: bytes, context: str) -> Any:
    """Decrypt a JSON value sealed by seal()."""
    return json.loads(keyring().open(blob, context))


def _hmac_key() -> str:
    return str(current_app.config.get("HMAC_KEY")
               or instance_secret(current_app.instance_path, HMAC_KEY_FILE))


def ensure_keys() -> None:
    """Load the encryption and hashing keys, generating them on first start."""
    keyring()
    _hmac_key()


def lookup_hash(purpose: str, text: str) -> str:
    """Return a keyed hash (HMAC-SHA256) so a secret can be matched without being stored."""
    key = _hmac_key()
    message = f"{purpose}\x00{text}".encode()
    return hmac.new(str(key).encode(), message, hashlib.sha256).hexdigest()
