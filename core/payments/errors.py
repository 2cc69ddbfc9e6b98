"""The error every payment command raises on bad input."""

from __future__ import annotations


class PaymentError(ValueError):
    """Bad input for a payment command; ``errors`` lists every problem."""

    status = 422

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__(" ".join(self.errors))
