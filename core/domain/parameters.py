"""Keep each plugin's business parameters as typed, audited database rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Column, Integer, String, Text, UniqueConstraint

from core.domain.base import Model, TimestampMixin

TYPES = ("int", "decimal", "bool", "str", "date", "choice")
# Default bound of an int parameter without a maximum of its own.
PARAMETER_INT_MAX = 1_000_000_000


@dataclass(frozen=True)
class ParameterSpec:
    """A typed parameter a plugin declares, with its default and help text."""

    plugin: str
    key: str
    type: str
    default: object
    label: str
    help: str
    choices: tuple[str, ...] = ()
    minimum: object = 0  # numbers below it are refused; None allows negatives
    maximum: object = None
    required: bool = True
    # Further rule on the parsed value: raises InvalidParameterValue with a
    # message for staff (e.g. the factors of an identification policy).
    validate: Callable[[object], None] | None = field(default=None, compare=False)

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"parameter {self.plugin}.{self.key}: type {self.type}")


class InvalidParameterValue(ValueError):
    """A value that does not fit the parameter's type."""


TYPE_LABELS = {"int": "número inteiro", "decimal": "número decimal",
               "bool": "sim/não", "str": "texto", "date": "data (AAAA-MM-DD)",
               "choice": "opção"}


def parse_value(spec_type: str, text: str, choices=()) -> object:
    """Convert the stored text of a parameter to its Python value."""
    if text is None or text == "":
        return None
    try:
        if spec_type == "int":
            return int(text)
        if spec_type == "decimal":
            value = Decimal(str(text).strip().replace(",", "."))
            if not value.is_finite():
                raise ValueError(text)
            return value
        if spec_type == "bool":
            lowered = str(text).strip().lower()
            if lowered not in ("true", "false", "1", "0", "sim", "não", "nao"):
                raise ValueError(text)
            return lowered in ("true", "1", "sim")
        if spec_type == "date":
            return date.fromisoformat(str(text))
    except (ValueError, ArithmeticError) as exc:
        raise InvalidParameterValue(
            f"Valor inválido: {text!r} não é {TYPE_LABELS[spec_type]}."
        ) from exc
    if spec_type == "choice" and choices and text not in choices:
        raise InvalidParameterValue(
            f"Valor {text!r} fora das opções: {', '.join(choices)}"
        )
    return str(text)


def check_value(spec: ParameterSpec | None, spec_type: str, text: str,
                choices=()) -> object:
    """Parse a value typed by a person and check it against its spec's bounds."""
    value = parse_value(spec_type, (text or "").strip(), choices)
    required = spec.required if spec else True
    if value is None and required:
        raise InvalidParameterValue("Informe um valor: este parâmetro é obrigatório.")
    if spec_type in ("int", "decimal") and value is not None:
        minimum = spec.minimum if spec else 0
        maximum = spec.maximum if spec else None
        if maximum is None and spec_type == "int":
            maximum = PARAMETER_INT_MAX
        if minimum is not None and value < Decimal(str(minimum)):
            raise InvalidParameterValue(f"O valor deve ser no mínimo {minimum}.")
        if maximum is not None and value > Decimal(str(maximum)):
            raise InvalidParameterValue(f"O valor deve ser no máximo {maximum}.")
    if spec is not None and spec.validate is not None and value is not None:
        spec.validate(value)
    return value


def format_value(value: object) -> str:
    """Convert a Python value to the text a parameter row stores."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class Parameter(TimestampMixin, Model):
    """One business parameter of a plugin (or of the core)."""

    __tablename__ = "parameter"
    __table_args__ = (UniqueConstraint("plugin", "key"),)
    __audited__ = True
    id = Column(Integer, primary_key=True)
    plugin = Column(String(40), nullable=False)
    key = Column(String(60), nullable=False)
    value_type = Column(String(10), nullable=False)
    value = Column(Text, nullable=True)
    label = Column(String(120), nullable=False)
    help = Column(Text, nullable=False, default="")
    choices = Column(String(200), nullable=False, default="")

    def typed_value(self) -> object:
        """Return the value converted to its declared type."""
        choices = tuple(c for c in self.choices.split(",") if c)
        return parse_value(self.value_type, self.value, choices)

    def __str__(self) -> str:
        return f"{self.plugin}.{self.key}"
