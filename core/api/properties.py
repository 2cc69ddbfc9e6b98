"""Serve ``GET /api/v1/imoveis/{matricula}``: a property's cadastral data.

One SQL query joins the property, its geography and situations and its
economies (one row per subcategory); the handler only shapes the rows.
"""

from __future__ import annotations

import re

from sqlalchemy import bindparam, select

from core.domain.cadastre import Block, Locality, Property, PropertySubcategory, Sector
from core.domain.reference import Category, SewerSituation, Subcategory, WaterSituation
from core.services.identifiers import format_inscription, validate_registration
from core.toolkits.api import ApiCall, ApiError, ErrorKind, Param, field_error

SCOPE = "imoveis:ler"
INVALID_REGISTRATION = ErrorKind("MATRICULA_INVALIDA", 422, "Matrícula inválida")
PROPERTY_NOT_FOUND = ErrorKind("IMOVEL_NAO_ENCONTRADO", 404, "Imóvel não encontrado")
_DIGITS = re.compile(r"[0-9]{2,10}")
# The admin and the bills print the matrícula as "123456.7"; accept that
# form (or "123456-7") too, so staff can paste what they see.
_DISPLAYED = re.compile(r"([0-9]{1,9})[.-]([0-9])")
_LARGEST_KEY = 2**31 - 1  # the registration column is a 32-bit integer

_CODE_LABEL = {
    "type": "object",
    "required": ["codigo", "descricao"],
    "properties": {"codigo": {"type": "string"}, "descricao": {"type": "string"}},
}
_CODE_NAME = {
    "type": "object",
    "required": ["codigo", "nome"],
    "properties": {"codigo": {"type": "integer"}, "nome": {"type": "string"}},
}
_TEXT_OR_NULL = {"type": ["string", "null"]}
PROPERTY_SCHEMA = {
    "title": "Imovel",
    "type": "object",
    "required": ["matricula", "inscricao", "endereco", "situacao_agua",
                 "situacao_esgoto", "economias", "localidade", "setor"],
    "properties": {
        "matricula": {"type": "string", "pattern": "^[0-9]{2,10}$",
                      "description": "Matrícula com o dígito verificador."},
        "inscricao": {"type": "string", "examples": ["001.002.003.0004.000"]},
        "endereco": {
            "type": "object",
            "required": ["logradouro", "numero", "complemento", "bairro", "cep"],
            "properties": {"logradouro": _TEXT_OR_NULL, "numero": _TEXT_OR_NULL,
                           "complemento": _TEXT_OR_NULL, "bairro": _TEXT_OR_NULL,
                           "cep": _TEXT_OR_NULL},
        },
        "situacao_agua": _CODE_LABEL,
        "situacao_esgoto": _CODE_LABEL,
        "economias": {
            "type": "array",
            "description": "Economias por subcategoria, na ordem das categorias.",
            "items": {
                "type": "object",
                "required": ["categoria", "subcategoria", "quantidade"],
                "properties": {"categoria": _CODE_LABEL, "subcategoria": _CODE_LABEL,
                               "quantidade": {"type": "integer", "minimum": 1}},
            },
        },
        "localidade": _CODE_NAME,
        "setor": _CODE_NAME,
    },
}

_p, _l, _s, _b = (m.__table__.c for m in (Property, Locality, Sector, Block))
_w, _e = WaterSituation.__table__.c, SewerSituation.__table__.c
_ps, _sc, _c = (m.__table__.c for m in (PropertySubcategory, Subcategory, Category))
PROPERTY_QUERY = (
    select(
        _p.registration, _l.code, _l.name, _s.code, _s.name, _b.number, _p.lot,
        _p.sublot, _p.street, _p.number, _p.complement, _p.district, _p.zip_code,
        _w.code, _w.label, _e.code, _e.label,
        _c.code, _c.label, _sc.code, _sc.label, _ps.economies,
    )
    .select_from(
        Property.__table__
        .join(Locality.__table__, _p.locality_id == _l.id)
        .join(Sector.__table__, _p.sector_id == _s.id)
        .join(Block.__table__, _p.block_id == _b.id)
        .join(WaterSituation.__table__, _p.water_situation_id == _w.id)
        .join(SewerSituation.__table__, _p.sewer_situation_id == _e.id)
        .outerjoin(PropertySubcategory.__table__, _ps.property_id == _p.id)
        .outerjoin(Subcategory.__table__, _ps.subcategory_id == _sc.id)
        .outerjoin(Category.__table__, _sc.category_id == _c.id)
    )
    .where(_p.registration == bindparam("registration"))
    .order_by(_c.sort_order, _sc.code)
)


def parse_registration(text: str) -> int:
    """Return the matrícula as an int, or raise MATRICULA_INVALIDA (422)."""
    displayed = _DISPLAYED.fullmatch(text)
    if displayed:
        text = displayed.group(1) + displayed.group(2)
    if not _DIGITS.fullmatch(text):
        raise ApiError(
            INVALID_REGISTRATION,
            "Informe a matrícula só com dígitos (2 a 10), incluindo o verificador.",
            errors=[field_error("matricula", "FORMATO_INVALIDO",
                                "Use de 2 a 10 dígitos.")],
        )
    if not validate_registration(text):
        raise ApiError(
            INVALID_REGISTRATION,
            f"O dígito verificador da matrícula {text} não confere.",
            errors=[field_error("matricula", "DIGITO_VERIFICADOR",
                                "O dígito verificador não confere.")],
        )
    return int(text)


def property_rows(connection, registration: int) -> list:
    """Fetch the property's rows (one per subcategory) in one query."""
    if registration > _LARGEST_KEY:
        return []
    return connection.execute(PROPERTY_QUERY, {"registration": registration}).all()


def property_document(rows: list) -> dict:
    """Shape the query's rows as the API's property document."""
    first = rows[0]
    economies = [
        {"categoria": {"codigo": row[17], "descricao": row[18]},
         "subcategoria": {"codigo": row[19], "descricao": row[20]},
         "quantidade": row[21]}
        for row in rows if row[19] is not None
    ]
    return {
        "matricula": str(first[0]),
        "inscricao": format_inscription(first[1], first[3], first[5], first[6],
                                        first[7]),
        "endereco": {"logradouro": first[8], "numero": first[9],
                     "complemento": first[10], "bairro": first[11],
                     "cep": first[12]},
        "situacao_agua": {"codigo": first[13], "descricao": first[14]},
        "situacao_esgoto": {"codigo": first[15], "descricao": first[16]},
        "economias": economies,
        "localidade": {"codigo": first[1], "nome": first[2]},
        "setor": {"codigo": first[3], "nome": first[4]},
    }


def get_property(call: ApiCall, matricula: str) -> dict:
    """Consultar imóvel pela matrícula."""
    rows = property_rows(call.connection, parse_registration(matricula))
    if not rows:
        raise ApiError(PROPERTY_NOT_FOUND,
                       f"Não há imóvel com a matrícula {matricula}.")
    return property_document(rows)


def register(api) -> None:
    """Add the property lookup to the registry."""
    api.route(
        "GET", "/imoveis/{matricula}",
        operation_id="obter_imovel", scope=SCOPE, tags=("Imóveis",),
        params=(Param("matricula", "path", {"type": "string"},
                      "Matrícula com o dígito verificador: só dígitos "
                      "(1234560) ou como impressa (123456.0).", True),),
        response_schema=PROPERTY_SCHEMA,
        errors=(INVALID_REGISTRATION, PROPERTY_NOT_FOUND),
        description="Devolve endereço, inscrição, situações das ligações e "
                    "economias por subcategoria do imóvel.",
    )(get_property)
