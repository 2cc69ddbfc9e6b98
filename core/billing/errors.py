"""The one error a billing command raises, with every problem it found."""

from __future__ import annotations


class BillingError(ValueError):
    """A billing command refused its input; nothing was changed.

    ``errors`` holds every Portuguese message found while validating, so a
    screen can show them all at once.
    """

    status = 422

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("; ".join(self.errors))


def refuse_if(errors: list[str]) -> None:
    """Raise :class:`BillingError` when ``errors`` is not empty."""
    if errors:
        raise BillingError(errors)
