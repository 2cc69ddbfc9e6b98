"""Insert, change and remove regulatory agencies (UC2099, UC2100).

Every command validates all of its input first, collects every problem
into one :class:`AgencyError`, and commits once; bad input changes nothing.
Screens, APIs and scripts call these functions and nothing else.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import current_app, has_app_context

from core.clock import today
from core.domain.cadastre import Municipality
from core.extensions import db
from core.services.identifiers import (
    InvalidDocument,
    check_cnpj,
    format_cnpj,
    normalize_document,
)
from plugins.regulatory_agency import queries
from plugins.regulatory_agency.models import (
    SPHERES,
    RegulatedMunicipality,
    Regulator,
    format_date,
    format_period,
)

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_REFERENCE = re.compile(r"^(\d{4})(\d{2})$|^(\d{2})/(\d{4})$")


class AgencyError(ValueError):
    """Bad input for an agency command; ``errors`` lists every problem."""

    status = 422

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__(" ".join(self.errors))


class AgencyNotFound(AgencyError):
    """The agency or municipality link asked for does not exist."""

    status = 404


@dataclass
class LinkInput:
    """A municipality to regulate; an empty date takes the agency's vigência."""

    municipality_id: int
    valid_from: date | str | None = None
    valid_until: date | str | None = None


@dataclass
class AgencyInput:
    """What a person fills in for an agency (text as typed is accepted)."""

    name: str = ""
    acronym: str = ""
    cnpj: str = ""
    sphere: str = ""
    valid_from: date | str | None = None
    valid_until: date | str | None = None
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    ombudsman: str = ""
    transfer_percent: Decimal | str | None = None
    transfer_start_reference: int | str | None = None
    active: bool = True
    municipalities: list[LinkInput] = field(default_factory=list)


@dataclass(frozen=True)
class RemovalResult:
    """What a removal did: deleted, or inactivated because of references."""

    deleted: bool
    message: str
    references: tuple[tuple[str, int], ...] = ()


# --- cleaning of each field ------------------------------------------------


def _text(value, label: str, size: int, errors: list, required=False) -> str | None:
    text = " ".join(str(value or "").split())
    if not text:
        if required:
            errors.append(f"Informe {label}.")
        return None
    if len(text) > size:
        errors.append(f"{label.capitalize()}: no máximo {size} caracteres.")
    return text


def _clean_cnpj(value, errors: list) -> str | None:
    if not str(value or "").strip():
        errors.append("Informe o CNPJ.")
        return None
    try:
        return check_cnpj(normalize_document(str(value)))
    except InvalidDocument as exc:
        errors.append(f"CNPJ inválido: {exc.message}")
        return None


def _clean_sphere(value, errors: list) -> str | None:
    sphere = str(value or "").strip().upper()
    if sphere not in SPHERES:
        errors.append(
            "Informe a esfera: Estadual, Municipal, Intermunicipal ou Consórcio."
        )
        return None
    return sphere


def _clean_phone(value, errors: list) -> str | None:
    digits = re.sub(r"\D", "", str(value or ""))
    if not str(value or "").strip():
        return None
    if len(digits) not in (10, 11):
        errors.append("Telefone inválido: informe DDD e número (10 ou 11 dígitos).")
        return None
    return digits


def _clean_email(value, errors: list) -> str | None:
    email = str(value or "").strip().lower()
    if not email:
        return None
    if not _EMAIL.match(email) or len(email) > 120:
        errors.append("E-mail inválido.")
        return None
    return email


def _clean_percent(value, errors: list) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        percent = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        errors.append(f"Percentual de repasse inválido: {value}.")
        return None
    if not percent.is_finite() or not 0 <= percent <= 100:
        errors.append("O percentual de repasse deve estar entre 0 e 100.")
    elif percent != percent.quantize(Decimal("0.01")):
        errors.append("O percentual de repasse aceita no máximo 2 casas decimais.")
    return percent


def _clean_reference(value, errors: list) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    match = _REFERENCE.match(text)
    year, month = (match.group(1), match.group(2)) if match else (None, None)
    if match and match.group(3):
        year, month = match.group(4), match.group(3)
    if not match or not (1 <= int(month) <= 12 and int(year) >= 1900):
        errors.append("Referência inicial do repasse inválida: use AAAAMM.")
        return None
    return int(year) * 100 + int(month)


def _given(value) -> bool:
    return value is not None and str(value).strip() != ""


def _clean_transfer(data: AgencyInput, errors: list) -> dict:
    percent = _clean_percent(data.transfer_percent, errors)
    reference = _clean_reference(data.transfer_start_reference, errors)
    has_percent = _given(data.transfer_percent)
    has_reference = _given(data.transfer_start_reference)
    if has_percent and not has_reference:
        errors.append("Informe a referência inicial do repasse.")
    if has_reference and not has_percent:
        errors.append("Informe o percentual de repasse da referência inicial.")
    return {"transfer_percent": percent, "transfer_start_reference": reference}


def _clean_date(value, label: str, errors: list) -> date | None:
    """Return a date from a date or from text typed as aaaa-mm-dd or dd/mm/aaaa."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    errors.append(f"{label}: data inválida ({text}); use dd/mm/aaaa.")
    return None


def _clean_period(start, end, what: str, errors: list) -> dict:
    first = _clean_date(start, f"Início da vigência {what}", errors)
    last = _clean_date(end, f"Fim da vigência {what}", errors)
    if first is None and not _given(start):
        errors.append(f"Informe o início da vigência {what}.")
    elif first and last and last < first:
        errors.append(f"O fim da vigência {what} não pode ser anterior ao início.")
    return {"valid_from": first, "valid_until": last}


def _check_unique(values: dict, errors: list, exclude_id: int | None) -> None:
    if values["acronym"]:
        other = queries.find_by(
            db.session, Regulator.acronym, values["acronym"], exclude_id
        )
        if other:
            errors.append(f"Já existe uma agência com a sigla {values['acronym']}.")
    if values["cnpj"]:
        other = queries.find_by(db.session, Regulator.cnpj, values["cnpj"], exclude_id)
        if other:
            errors.append(
                f"O CNPJ {format_cnpj(values['cnpj'])} já pertence à agência "
                f"{other.acronym}."
            )


def _clean_agency(data: AgencyInput, errors: list, exclude_id=None) -> dict:
    acronym = _text(data.acronym, "a sigla", 20, errors, required=True)
    values = {
        "name": _text(data.name, "o nome", 150, errors, required=True),
        "acronym": acronym.upper() if acronym else None,
        "cnpj": _clean_cnpj(data.cnpj, errors),
        "sphere": _clean_sphere(data.sphere, errors),
        "address": _text(data.address, "o endereço", 200, errors),
        "phone": _clean_phone(data.phone, errors),
        "email": _clean_email(data.email, errors),
        "website": _text(data.website, "o site", 200, errors),
        "ombudsman": _text(data.ombudsman, "a ouvidoria", 200, errors),
        "active": bool(data.active),
    }
    values.update(_clean_transfer(data, errors))
    values.update(
        _clean_period(data.valid_from, data.valid_until, "da agência", errors)
    )
    _check_unique(values, errors, exclude_id)
    return values


# --- municipality links ----------------------------------------------------


@dataclass
class _Link:
    municipality: Municipality
    valid_from: date | None
    valid_until: date | None


def _overlaps(a: _Link, b: _Link) -> bool:
    a_before_b_ends = b.valid_until is None or a.valid_from <= b.valid_until
    b_before_a_ends = a.valid_until is None or b.valid_from <= a.valid_until
    return a_before_b_ends and b_before_a_ends


def _resolve_link(item: LinkInput, values: dict, errors: list) -> _Link | None:
    municipality = db.session.get(Municipality, item.municipality_id)
    if municipality is None:
        errors.append(f"Município não encontrado (código {item.municipality_id}).")
        return None
    found: list[str] = []
    period = _clean_period(
        item.valid_from or values["valid_from"],
        item.valid_until or values["valid_until"], f"de {municipality}", found,
    )
    if values["valid_from"] is None and not _given(item.valid_from):
        return None  # the agency's own error already asks for its start
    errors.extend(found)
    return None if found else _Link(municipality, **period)


def _resolve_links(links: list[LinkInput], values: dict, errors: list) -> list[_Link]:
    resolved = [_resolve_link(item, values, errors) for item in links]
    return [link for link in resolved if link is not None]


def _inside_agency(link: _Link, values: dict) -> bool:
    if link.valid_from < values["valid_from"]:
        return False
    if values["valid_until"] is None:
        return True
    return link.valid_until is not None and link.valid_until <= values["valid_until"]


def _inside_errors(link: _Link, values: dict, errors: list) -> None:
    if values["valid_from"] and not _inside_agency(link, values):
        errors.append(
            f"A vigência de {link.municipality} "
            f"({format_period(link.valid_from, link.valid_until)}) deve estar dentro "
            f"da vigência da agência "
            f"({format_period(values['valid_from'], values['valid_until'])})."
        )


def _other_agency_errors(link: _Link, values: dict, exclude_id, errors: list) -> None:
    for other in queries.overlapping_links(
        db.session, link.municipality.id, values["sphere"],
        link.valid_from, link.valid_until, exclude_id,
    ):
        errors.append(
            f"{link.municipality} já é regulado pela agência "
            f"{other.regulator.acronym}, da esfera "
            f"{SPHERES[values['sphere']].lower()}, "
            f"{format_period(other.valid_from, other.valid_until)}; duas agências "
            "da mesma esfera não podem regular um município em períodos sobrepostos."
        )


def _check_links(new, values: dict, errors: list, exclude_id=None, kept=()) -> None:
    """Check new links: their periods, repeats, and other agencies' links."""
    checked: list[_Link] = list(kept)
    for link in new:
        _inside_errors(link, values, errors)
        if any(
            prior.municipality.id == link.municipality.id and _overlaps(prior, link)
            for prior in checked
        ):
            errors.append(
                f"{link.municipality} aparece mais de uma vez na agência com "
                "vigências sobrepostas."
            )
        elif values["active"] and values["sphere"]:
            _other_agency_errors(link, values, exclude_id, errors)
        checked.append(link)


def _as_link(row: RegulatedMunicipality) -> _Link:
    return _Link(row.municipality, row.valid_from, row.valid_until)


def _values_of(agency: Regulator) -> dict:
    return {
        "valid_from": agency.valid_from, "valid_until": agency.valid_until,
        "sphere": agency.sphere, "active": agency.active,
    }


# --- the commands ----------------------------------------------------------


def _fail_if(errors: list) -> None:
    if errors:
        raise AgencyError(errors)


def get_agency(regulator_id: int) -> Regulator:
    """Return the agency, or raise AgencyNotFound."""
    agency = db.session.get(Regulator, regulator_id)
    if agency is None:
        raise AgencyNotFound(["Agência de regulação não encontrada."])
    return agency


def insert_agency(data: AgencyInput) -> Regulator:
    """Insert an agency with the municipalities it regulates (UC2099)."""
    errors: list[str] = []
    values = _clean_agency(data, errors)
    links = _resolve_links(data.municipalities, values, errors)
    _check_links(links, values, errors)
    _fail_if(errors)

    agency = Regulator(**values)
    for link in links:
        agency.municipalities.append(RegulatedMunicipality(
            municipality=link.municipality,
            valid_from=link.valid_from, valid_until=link.valid_until,
        ))
    db.session.add(agency)
    db.session.commit()
    log.info("regulatory agency %s inserted with %s municipalities",
             agency.id, len(links))
    return agency


def update_agency(regulator_id: int, data: AgencyInput) -> Regulator:
    """Change an agency's fields; its municipality links are checked again."""
    agency = get_agency(regulator_id)
    errors: list[str] = []
    values = _clean_agency(data, errors, exclude_id=agency.id)
    links = [_as_link(row) for row in agency.municipalities]
    _check_links(links, values, errors, exclude_id=agency.id)
    _fail_if(errors)

    for key, value in values.items():
        setattr(agency, key, value)
    db.session.commit()
    log.info("regulatory agency %s updated", agency.id)
    return agency


def add_municipality(regulator_id: int, item: LinkInput) -> RegulatedMunicipality:
    """Add a municipality to an agency, with its own vigência."""
    agency = get_agency(regulator_id)
    errors: list[str] = []
    values = _values_of(agency)
    links = _resolve_links([item], values, errors)
    kept = [_as_link(row) for row in agency.municipalities]
    _check_links(links, values, errors, exclude_id=agency.id, kept=kept)
    _fail_if(errors)

    row = RegulatedMunicipality(
        regulator=agency, municipality=links[0].municipality,
        valid_from=links[0].valid_from, valid_until=links[0].valid_until,
    )
    db.session.add(row)
    db.session.commit()
    log.info("municipality %s linked to regulatory agency %s",
             row.municipality_id, agency.id)
    return row


def _get_link(link_id: int) -> RegulatedMunicipality:
    row = db.session.get(RegulatedMunicipality, link_id)
    if row is None:
        raise AgencyNotFound(["Município regulado não encontrado."])
    return row


def update_municipality(link_id: int, valid_from, valid_until) -> RegulatedMunicipality:
    """Change the vigência of a municipality link (dates or typed text)."""
    row = _get_link(link_id)
    errors: list[str] = []
    period = _clean_period(valid_from, valid_until, f"de {row.municipality}", errors)
    if not errors:
        kept = [_as_link(other) for other in row.regulator.municipalities
                if other.id != row.id]
        link = _Link(row.municipality, **period)
        _check_links([link], _values_of(row.regulator), errors,
                     exclude_id=row.regulator_id, kept=kept)
    _fail_if(errors)

    row.valid_from, row.valid_until = period["valid_from"], period["valid_until"]
    db.session.commit()
    log.info("municipality link %s of regulatory agency %s updated",
             row.id, row.regulator_id)
    return row


def external_references(regulator_id: int) -> list[tuple[str, int]]:
    """Return (label, count) of other plugins' rows that reference the agency."""
    if not has_app_context():
        return []
    pm = current_app.extensions["sanea.pm"]
    answers = pm.hook.sanea_references_to_regulator(regulator_id=regulator_id)
    return [(str(label), int(count)) for label, count in answers if count]


def agency_references(regulator_id: int) -> list[tuple[str, int]]:
    """Return every reference to the agency, its own closed links included."""
    found = external_references(regulator_id)
    closed = queries.closed_link_count(db.session, regulator_id, today())
    if closed:
        found.append(("municípios com vigência encerrada", closed))
    return found


def _describe(references) -> str:
    return "; ".join(f"{label}: {count}" for label, count in references)


def remove_municipality(link_id: int, end: date | None = None) -> str:
    """Take a municipality from an agency: close its vigência when referenced."""
    row = _get_link(link_id)
    agency, municipality = row.regulator, row.municipality
    references = external_references(agency.id)
    if not references:
        db.session.delete(row)
        db.session.commit()
        log.info("municipality link %s deleted", link_id)
        return f"{municipality} retirado da agência {agency.acronym}."
    return _close_link(row, end or today(), references)


def _close_link(row: RegulatedMunicipality, end: date, references) -> str:
    errors = []
    if row.valid_until is not None and row.valid_until <= end:
        errors.append(
            f"A vigência de {row.municipality} já está encerrada "
            f"({format_period(row.valid_from, row.valid_until)}) e fica como "
            "histórico."
        )
    elif end < row.valid_from:
        errors.append(
            f"O fim da vigência de {row.municipality} não pode ser anterior ao "
            f"início ({format_date(row.valid_from)})."
        )
    _fail_if(errors)
    row.valid_until = end
    db.session.commit()
    log.info("municipality link %s closed instead of deleted", row.id)
    return (
        f"A agência {row.regulator.acronym} está referenciada "
        f"({_describe(references)}): a vigência de {row.municipality} foi "
        f"encerrada em {format_date(end)} em vez de excluída."
    )


def remove_agency(regulator_id: int) -> RemovalResult:
    """Delete an agency, or inactivate it when something references it."""
    agency = get_agency(regulator_id)
    acronym = agency.acronym
    references = agency_references(agency.id)
    if references:
        agency.active = False
        db.session.commit()
        log.info("regulatory agency %s inactivated instead of deleted", agency.id)
        return RemovalResult(False, (
            f"A agência {acronym} não pode ser excluída porque está referenciada "
            f"({_describe(references)}); ela foi inativada."
        ), tuple(references))
    db.session.delete(agency)
    db.session.commit()
    log.info("regulatory agency %s deleted", regulator_id)
    return RemovalResult(True, f"Agência {acronym} excluída.")
