"""Password rules per NIST SP 800-63B rev. 4 (section 3.1.1.2) and argon2id hashing.

Length counts, composition does not: at least 15 characters, at most 256, Unicode normalised
(NFKC), every character allowed, no forced rotation. Refused: passwords on the shipped list of
common/breached passwords and passwords that are easy to guess from repeats, sequences,
dictionary words or context (the service name, the user's own name and e-mail).
"""

from __future__ import annotations

import gzip
import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn import zxcvbn

COMMON_LIST = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"
CONTEXT_WORDS = ("voxio", "dpa", "portaal", "portal", "verwerkersovereenkomst")
ZXCVBN_MAX = 72
MIN_SCORE = 3  # zxcvbn: at least 10^8 guesses


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_LIST, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def problems(password: str, *, context: tuple[str, ...] = ()) -> list[str]:
    """Return why ``password`` is not acceptable (empty when it is)."""
    pw = normalise(password)
    cfg = current_app.config
    if len(pw) < cfg["PASSWORD_MIN_LENGTH"]:
        return [_("Use at least %(n)d characters. A sentence of a few words is easy "
                       "to remember.", n=cfg["PASSWORD_MIN_LENGTH"])]
    if len(pw) > cfg["PASSWORD_MAX_LENGTH"]:
        return [_("Use at most %(n)d characters.", n=cfg["PASSWORD_MAX_LENGTH"])]
    if pw.lower() in common_passwords():
        return [_("This password is on a list of common or leaked passwords. "
                       "Choose another one.")]
    words = [w for w in CONTEXT_WORDS + context if w and len(w) >= 3]
    result = zxcvbn(pw[:ZXCVBN_MAX], user_inputs=[w.lower() for w in words])
    if result["score"] < MIN_SCORE:
        return [_("This password is too easy to guess: avoid repeats, sequences such as "
                       "12345 or qwerty, and your own name, e-mail or the name of this service.")]
    return []


def context_for(email: str = "", name: str = "", organization: str = "") -> tuple[str, ...]:
    """Words a guesser would try first for this user."""
    local, _, domain = email.partition("@")
    parts = [email, local, domain.split(".")[0], name, *name.split(), organization]
    return tuple(p for p in parts if p)


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(normalise(password))


def verify(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, spend the same time so timing reveals no accounts."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(), normalise(password)) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def _dummy_hash() -> str:
    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    return _dummy_cache(key)


@cache
def _dummy_cache(_params: tuple[int, int, int]) -> str:
    return _hasher().hash("not a real password, only spends time")
