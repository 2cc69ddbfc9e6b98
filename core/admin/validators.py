"""Form validators shared by the admin screens."""

from __future__ import annotations

from wtforms.validators import ValidationError

from core.services.identifiers import InvalidDocument, check_cpf_cnpj, normalize_document


class CpfCnpj:
    """Upper-case and strip what a person typed, then check the CPF or CNPJ."""

    def __init__(self, required: bool = False):
        self.required = required

    def __call__(self, form, field):
        if not field.data:
            if self.required:
                raise ValidationError("Informe o CPF ou CNPJ.")
            field.data = None
            return
        field.data = normalize_document(str(field.data))
        try:
            check_cpf_cnpj(field.data)
        except InvalidDocument as exc:
            raise ValidationError(str(exc)) from exc
