"""Minimise personal data: keyed hashes for logs, masks for replies (§2.8, LGPD)."""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app

_DIGITS = re.compile(r"\D")


def keyed_hash(value: str, purpose: str = "id") -> str:
    """Return the hex HMAC-SHA256 of a value under the app's secret key.

    A CPF has only 10**9 bases, so a plain hash would be reversible; the
    key keeps stored hashes useless outside this deployment. ``purpose``
    separates the uses (documents, codes) so one hash never equals another.
    """
    key = (current_app.config["SECRET_KEY"] + ":" + purpose).encode()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def mask_name(name: str) -> str:
    """Keep the first word and the initial of the others: ``MARIA D* S****``."""
    words = name.split()
    if not words:
        return ""
    hidden = [word[0] + "*" * (len(word) - 1) for word in words[1:]]
    return " ".join([words[0], *hidden])


def mask_email(address: str) -> str:
    """Keep the first and last letter of the local part: ``m***a@example.com``."""
    local, _, domain = address.partition("@")
    if not local:
        return address
    tail = local[-1] if len(local) > 1 else ""
    return f"{local[0]}***{tail}@{domain}"


def mask_phone(phone: str) -> str:
    """Keep the area code and the last four digits: ``(95) 9****-4567``."""
    digits = _DIGITS.sub("", phone)
    if len(digits) < 10:
        return "****"
    area, number = digits[:2], digits[2:]
    return f"({area}) {number[0]}{'*' * (len(number) - 5)}-{number[-4:]}"
