"""Routes of self-reading (§4.C), all acting for a customer session.

Every route names a property of the session (404 otherwise, §2.3); the
handlers only read the request and call :mod:`.commands` or :mod:`.status`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.toolkits.api import MALFORMED_REQUEST, VALIDATION, ApiCall, ApiError, Param
from core.toolkits.api_platform.errors import (
    CONCURRENCY_CONFLICT,
    CUSTOMER_NOT_FOUND,
    PROPERTY_NOT_FOUND,
)
from core.toolkits.api_platform.limits import enforce
from core.toolkits.api_platform.paging import envelope_schema, paginate
from core.toolkits.api_platform.routes import (
    also_answers,
    optional_json_body,
    platform_route,
    read_optional_json,
)
from core.toolkits.api_platform.sessions import (
    channel_of,
    require_customer,
    require_property,
)
from plugins.self_reading import commands as c
from plugins.self_reading import errors as e
from plugins.self_reading import params as p
from plugins.self_reading import status as s

READ, WRITE = "autoleitura:ler", "autoleitura:escrever"
TAGS = ("Autoleitura",)
DATE = {"type": "string", "format": "date"}
DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
REFERENCE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}
CLASSES = ["DENTRO", "ACIMA", "ABAIXO", "MENOR_QUE_ANTERIOR", "VIRADA"]
REASONS = {"type": "array", "items": {"type": "string"}}
ADHESION = {
    "type": ["object", "null"],
    "required": ["situacao", "desde"],
    "properties": {
        "situacao": {"enum": ["ATIVA", "CANCELADA"]},
        "desde": DATE,
        "canal": {"type": "string"},
    },
}
WINDOW = {
    "type": ["object", "null"],
    "required": ["referencia", "abre_em", "fecha_em"],
    "properties": {"referencia": REFERENCE, "abre_em": DATE, "fecha_em": DATE},
}
PROPERTY_ITEM = {
    "type": "object",
    "required": [
        "matricula",
        "endereco_abreviado",
        "elegivel",
        "motivos",
        "adesao",
        "janela_atual",
    ],
    "properties": {
        "matricula": {"type": "string"},
        "endereco_abreviado": {"type": "string"},
        "elegivel": {"type": "boolean"},
        "motivos": REASONS,
        "adesao": ADHESION,
        "janela_atual": {
            "type": ["object", "null"],
            "required": ["abre_em", "fecha_em"],
            "properties": {"abre_em": DATE, "fecha_em": DATE},
        },
    },
}
JOINED = {
    "title": "AdesaoAutoleitura",
    "type": "object",
    "required": ["adesao_id", "situacao", "proxima_janela"],
    "properties": {
        "adesao_id": {"type": "integer"},
        "situacao": {"enum": ["ATIVA"]},
        "proxima_janela": WINDOW,
    },
}
SCHEDULE = {
    "title": "PeriodoDeLeitura",
    "type": "object",
    "required": ["grupo_faturamento", "leituras"],
    "properties": {
        "grupo_faturamento": {"type": "integer"},
        "leituras": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "type": "object",
                "required": ["referencia", "data_prevista_leitura", "realizada_em"],
                "properties": {
                    "referencia": REFERENCE,
                    "data_prevista_leitura": DATE,
                    "realizada_em": DATE_OR_NULL,
                },
            },
        },
    },
}
WINDOW_STATUS = {
    "title": "JanelaDeAutoleitura",
    "type": "object",
    "required": [
        "referencia",
        "abre_em",
        "fecha_em",
        "aberta",
        "dias_restantes",
        "leitura_ja_informada",
    ],
    "properties": {
        "referencia": REFERENCE,
        "abre_em": DATE,
        "fecha_em": DATE,
        "aberta": {"type": "boolean"},
        "dias_restantes": {"type": "integer", "minimum": 0},
        "leitura_ja_informada": {"type": "boolean"},
    },
}
READING = {
    "type": ["object", "null"],
    "required": ["valor", "informada_em", "protocolo", "classificacao"],
    "properties": {
        "valor": {"type": "integer"},
        "informada_em": {"type": "string", "format": "date-time"},
        "protocolo": {"type": "string"},
        "classificacao": {"enum": CLASSES},
    },
}
STATUS = {
    "title": "SituacaoDaAutoleitura",
    "type": "object",
    "required": [
        "elegivel",
        "motivos",
        "adesao",
        "ciclo_atual",
        "meses_sem_informar",
        "carencia_ate",
    ],
    "properties": {
        "elegivel": {"type": "boolean"},
        "motivos": REASONS,
        "adesao": ADHESION,
        "ciclo_atual": {
            "type": ["object", "null"],
            "properties": {
                "referencia": REFERENCE,
                "situacao": {
                    "enum": [
                        "AGUARDANDO_JANELA",
                        "AGUARDANDO_LEITURA",
                        "LEITURA_RECEBIDA",
                        "EM_ANALISE",
                        "APLICADA",
                        "PERDIDA",
                    ]
                },
                "janela": {"type": "object"},
                "leitura": READING,
            },
        },
        "meses_sem_informar": {"type": "integer", "minimum": 0},
        "carencia_ate": DATE_OR_NULL,
    },
}
VERIFIED = {
    "title": "LeituraVerificada",
    "type": "object",
    "required": [
        "valida_formato",
        "classificacao",
        "consumo_estimado_m3",
        "exige_foto",
        "mensagem",
    ],
    "properties": {
        "valida_formato": {"type": "boolean"},
        "classificacao": {"enum": CLASSES},
        "consumo_estimado_m3": {"type": ["integer", "null"]},
        "exige_foto": {"type": "boolean"},
        "mensagem": {"type": "string"},
    },
}
INFORMED = {
    "title": "AutoleituraRecebida",
    "type": "object",
    "required": [
        "protocolo",
        "referencia",
        "leitura",
        "consumo_estimado_m3",
        "classificacao",
        "situacao",
    ],
    "properties": {
        "protocolo": {"type": "string", "pattern": "^AL[0-9]{13}$"},
        "referencia": REFERENCE,
        "leitura": {"type": "integer"},
        "consumo_estimado_m3": {"type": ["integer", "null"]},
        "classificacao": {"enum": CLASSES},
        "situacao": {"enum": ["ACEITA", "EM_ANALISE", "APLICADA"]},
    },
}
PHOTO = {
    "title": "FotoRecebida",
    "type": "object",
    "required": ["arquivo_id", "sha256", "tipo", "bytes"],
    "properties": {
        "arquivo_id": {"type": "integer"},
        "sha256": {"type": "string"},
        "tipo": {"enum": ["image/jpeg", "image/png"]},
        "bytes": {"type": "integer"},
    },
}
READING_VALUE = {"type": ["integer", "string"], "maxLength": 20}
JOIN_BODY = {
    "examples": [{"aceite_termo": True}],
    "title": "PedidoDeAdesao",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "aceite_termo": {"type": "boolean"},
        "email_contato": {"type": "string", "maxLength": 120},
        "telefone_contato": {"type": "string", "maxLength": 20},
    },
}
LEAVE_BODY = {
    "title": "SaidaDaAutoleitura",
    "type": "object",
    "additionalProperties": False,
    "properties": {"motivo_texto": {"type": "string", "maxLength": 200}},
}
VERIFY_BODY = {
    "examples": [{"leitura": 1265}],
    "title": "LeituraParaVerificar",
    "type": "object",
    "required": ["leitura"],
    "additionalProperties": False,
    "properties": {"leitura": READING_VALUE},
}
INFORM_JSON = {
    "title": "LeituraInformada",
    "type": "object",
    "required": ["leitura"],
    "additionalProperties": False,
    "properties": {
        "leitura": READING_VALUE,
        "arquivo_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    },
}
INFORM_FORM = {
    "type": "object",
    "required": ["leitura"],
    "properties": {
        "leitura": {"type": "integer", "minimum": 0},
        "foto": {
            "type": "string",
            "format": "binary",
            "description": "JPEG ou PNG até 5 MB.",
        },
    },
}
PHOTO_FORM = {
    "type": "object",
    "required": ["foto"],
    "properties": {"foto": {"type": "string", "format": "binary"}},
}
REGISTRATION_PATH = (
    Param("matricula", "path", {"type": "string", "pattern": "^[0-9]{2,10}$"}),
)
CUSTOMER_PATH = (Param("cliente_id", "path", {"type": "integer", "minimum": 1}),)
FILE_ERRORS = (e.FILE_TOO_LARGE, e.FILE_TYPE, e.EMPTY_FILE)


@dataclass(frozen=True)
class PhotoUpload:
    """A photo sent with the reading, stored only once the reading passes."""

    data: bytes
    filename: str | None


def _property(call: ApiCall, matricula: str):
    require_property(call, matricula)
    return c.property_by_registration(matricula)


def _author(call: ApiCall) -> c.Author:
    return c.Author(call.extras["sessao_cliente"].customer_id, channel_of(call))


# --- handlers -----------------------------------------------------------------------


def list_properties(call: ApiCall, cliente_id: int):
    """Listar os imóveis do cliente para a autoleitura (UC2021)."""
    require_customer(call, cliente_id)
    only_joined = bool(call.query.get("somente_aderidos"))
    items = s.customer_properties(int(cliente_id), only_joined)
    filters = {"servico": call.query.get("servico"), "somente_aderidos": only_joined}
    return paginate(
        items, lambda item: item[0], call, filters, render=lambda item: item[1]
    )


def join(call: ApiCall, matricula: str):
    """Cadastrar o imóvel na autoleitura (UC2009)."""
    prop = _property(call, matricula)
    body = call.body or {}
    return c.join(
        prop,
        _author(call),
        body.get("aceite_termo"),
        body.get("email_contato"),
        body.get("telefone_contato"),
    ), 201


def leave(call: ApiCall, matricula: str):
    """Descadastrar o imóvel da autoleitura (UC2010)."""
    prop = _property(call, matricula)
    c.leave(prop, read_optional_json(LEAVE_BODY).get("motivo_texto"))
    return None, 204


def reading_schedule(call: ApiCall, matricula: str):
    """Consultar o período de leitura do imóvel (UC2020)."""
    return s.reading_schedule(_property(call, matricula))


def window(call: ApiCall, matricula: str):
    """Consultar a janela de autoleitura (UC2029)."""
    return s.window_status(_property(call, matricula))


def status(call: ApiCall, matricula: str):
    """Consultar a situação da autoleitura do imóvel (UC2028)."""
    return s.self_reading_status(
        _property(call, matricula), call.extras["sessao_cliente"].customer_id
    )


def verify(call: ApiCall, matricula: str):
    """Verificar uma leitura sem gravá-la (UC2030)."""
    require_property(call, matricula)
    limit = p.load().verifications_per_hour
    enforce(
        f"verify:{matricula}",
        limit,
        3600,
        f"Limite de {limit} verificações por hora para este imóvel.",
    )
    return c.verify(c.property_by_registration(matricula), call.body["leitura"])


def _reading_request(prop):
    """Return (leitura, photo) from a multipart form or a JSON body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("foto")
        photo = PhotoUpload(_read(upload), upload.filename) if upload else None
        return request.form.get("leitura"), photo
    body = read_optional_json(INFORM_JSON)
    if "leitura" not in body:
        raise ApiError(
            MALFORMED_REQUEST,
            "Envie a leitura (multipart com leitura e "
            "foto, ou JSON com leitura e arquivo_id).",
        )
    photo_id = body.get("arquivo_id")
    return body["leitura"], c.find_photo(prop, photo_id) if photo_id else None


def _read(upload) -> bytes:
    """Read an uploaded file and close it (large ones are spooled to disk)."""
    try:
        return upload.read()
    finally:
        upload.close()


def _stored(prop, photo):
    if isinstance(photo, PhotoUpload):
        return c.store_photo(prop, photo.data, photo.filename)
    return photo


def inform(call: ApiCall, matricula: str):
    """Informar a autoleitura do imóvel, com a foto (UC2011)."""
    prop = _property(call, matricula)
    raw, photo = _reading_request(prop)
    for attempt in range(2):
        if attempt:
            prop = _property(call, matricula)  # reloaded after the rollback
        try:
            return c.inform(prop, _author(call), raw, photo, store=_stored)
        except IntegrityError:  # a concurrent reading of the same reference won
            db.session.rollback()
    raise ApiError(
        CONCURRENCY_CONFLICT,
        "Outra leitura deste imóvel foi gravada ao "
        "mesmo tempo; consulte a situação e tente de novo.",
        headers={"Retry-After": "1"},
    )


def upload_photo(call: ApiCall, matricula: str):
    """Enviar a foto do hidrômetro antes da leitura (UC2011)."""
    prop = _property(call, matricula)
    upload = (
        request.files.get("foto") if request.mimetype == "multipart/form-data" else None
    )
    if upload is None:
        raise ApiError(
            MALFORMED_REQUEST, "Envie a foto em multipart/form-data, campo foto."
        )
    row = c.store_photo(prop, _read(upload), upload.filename)
    return {
        "arquivo_id": row.id,
        "sha256": row.sha256,
        "tipo": row.content_type,
        "bytes": row.size_bytes,
    }, 201


# --- registration ---------------------------------------------------------------------


def register(api) -> None:
    """Add the plugin's routes to the registry."""
    route = platform_route
    base = "/imoveis/{matricula}/autoleitura"
    route(
        api,
        "GET",
        "/clientes/{cliente_id}/imoveis",
        customer=True,
        paged=True,
        scope=READ,
        tags=TAGS,
        use_case="UC2021",
        operation_id="listar_imoveis_cliente",
        params=(
            *CUSTOMER_PATH,
            Param(
                "servico",
                "query",
                {"type": "string", "enum": ["autoleitura"], "default": "autoleitura"},
            ),
            Param("somente_aderidos", "query", {"type": "boolean", "default": False}),
        ),
        response_schema=envelope_schema("ImoveisDoCliente", PROPERTY_ITEM),
        errors=(CUSTOMER_NOT_FOUND,),
    )(list_properties)
    common = dict(customer=True, tags=TAGS, params=REGISTRATION_PATH)
    route(
        api,
        "POST",
        f"{base}/adesao",
        scope=WRITE,
        use_case="UC2009",
        operation_id="aderir_autoleitura",
        status=201,
        request_schema=JOIN_BODY,
        response_schema=JOINED,
        **common,
        errors=(PROPERTY_NOT_FOUND, e.NOT_ELIGIBLE, e.ADHESION_ACTIVE, VALIDATION),
    )(join)
    route(
        api,
        "DELETE",
        f"{base}/adesao",
        scope=WRITE,
        use_case="UC2010",
        operation_id="sair_autoleitura",
        status=204,
        **common,
        body_doc=optional_json_body(LEAVE_BODY),
        errors=(PROPERTY_NOT_FOUND, e.ADHESION_MISSING),
    )(leave)
    route(
        api,
        "GET",
        f"{base}/periodo-leitura",
        scope=READ,
        use_case="UC2020",
        operation_id="consultar_periodo_leitura",
        response_schema=SCHEDULE,
        **common,
        errors=(PROPERTY_NOT_FOUND, e.NO_SCHEDULE),
    )(reading_schedule)
    route(
        api,
        "GET",
        f"{base}/janela",
        scope=READ,
        use_case="UC2029",
        operation_id="consultar_janela_autoleitura",
        response_schema=WINDOW_STATUS,
        **common,
        errors=(PROPERTY_NOT_FOUND, e.ADHESION_MISSING, e.NO_SCHEDULE),
    )(window)
    route(
        api,
        "GET",
        base,
        scope=READ,
        use_case="UC2028",
        operation_id="consultar_autoleitura",
        response_schema=STATUS,
        **common,
        errors=(PROPERTY_NOT_FOUND,),
    )(status)
    route(
        api,
        "POST",
        f"{base}/leituras:verificar",
        scope=READ,
        use_case="UC2030",
        operation_id="verificar_leitura",
        idempotent=False,
        request_schema=VERIFY_BODY,
        response_schema=VERIFIED,
        **common,
        errors=(PROPERTY_NOT_FOUND, e.READING_INVALID, e.NOT_ELIGIBLE),
    )(verify)
    route(
        api,
        "POST",
        f"{base}/leituras",
        scope=WRITE,
        use_case="UC2011",
        operation_id="informar_autoleitura",
        status=201,
        response_schema=INFORMED,
        body_doc={
            "required": True,
            "content": {
                "multipart/form-data": {"schema": INFORM_FORM},
                "application/json": {"schema": INFORM_JSON},
            },
        },
        also=[also_answers(200, "A mesma leitura já estava registrada.", INFORMED)],
        **common,
        errors=(
            PROPERTY_NOT_FOUND,
            e.ADHESION_MISSING,
            e.OUTSIDE_WINDOW,
            e.READING_INVALID,
            e.PHOTO_REQUIRED,
            e.OUT_OF_RANGE,
            e.ALREADY_APPLIED,
            e.NOT_ELIGIBLE,
            CONCURRENCY_CONFLICT,
            MALFORMED_REQUEST,
            VALIDATION,
            *FILE_ERRORS,
        ),
    )(inform)
    route(
        api,
        "POST",
        f"{base}/fotos",
        scope=WRITE,
        use_case="UC2011",
        operation_id="enviar_foto_autoleitura",
        status=201,
        response_schema=PHOTO,
        body_doc={
            "required": True,
            "content": {"multipart/form-data": {"schema": PHOTO_FORM}},
        },
        **common,
        errors=(PROPERTY_NOT_FOUND, MALFORMED_REQUEST, *FILE_ERRORS),
    )(upload_photo)
