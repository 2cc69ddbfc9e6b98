"""Self-reading jobs: apply the readings to billing, and invite customers (UC2001).

``self_reading.apply_readings`` writes every accepted current reading as
the month's informed reading of the core (``reading.informed_reading``,
reader ``autoleitura``) through the billing cycle's own command, so the
billing job bills it; run it before ``billing.compute_consumption`` /
``billing.bill_group``. The same run cancels the adhesions that stopped
being eligible or missed ``months_without_reading_to_cancel`` windows in a
row. One reading or adhesion is one transaction; a rerun changes nothing.

``self_reading.send_invitations`` e-mails eligible properties without an
adhesion, one chunk per route; a property invited in the last
``invitation_interval_days`` is skipped, so a rerun sends nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
import time

from flask import current_app
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, or_, select

from core.billing.errors import BillingError
from core.billing.metering import ReadingInput, current_installation, record_readings
from core.clock import today
from core.domain import metering as m
from core.domain.cadastre import (
    Block,
    Customer,
    CustomerProperty,
    Property,
    Route,
    Sector,
)
from core.domain.reference import ReadingAnomaly
from core.extensions import db
from core.services.billing_rules import shift_reference
from core.toolkits.api_platform.clock import now_utc
from core.toolkits.api_platform.privacy import keyed_hash
from core.toolkits.jobs import JobDefinition, JobError
from plugins.customer_access import mail
from plugins.customer_access.emails import on_file_address
from plugins.self_reading import params as p
from plugins.self_reading.commands import informed_day, leave
from plugins.self_reading.cycles import coming_window, current_reference, group_of
from plugins.self_reading.eligibility import is_linked, reasons
from plugins.self_reading.models import Adhesion, Invitation, SelfReading
from plugins.self_reading.status import missed_references

log = logging.getLogger(__name__)
APPLY = "self_reading.apply_readings"
INVITE = "self_reading.send_invitations"
READER = "autoleitura"
INVITATION_DAYS = 30
ANOMALY_MONTHS = 6


# --- applying readings ---------------------------------------------------------------


def _field_reading(row: SelfReading) -> bool:
    """Tell whether a reader already brought this month's reading.

    A field reading is any water reading of the month not written by this
    plugin, with a value or only an anomaly ("imóvel fechado"), whether or
    not the reader's name was recorded.
    """
    found = db.session.scalar(
        select(func.count()).where(
            m.Reading.property_id == row.property_id,
            m.Reading.reference_month == row.reference_month,
            m.Reading.measurement_type == "water",
            or_(m.Reading.informed_reading.is_not(None),
                m.Reading.anomaly_id.is_not(None)),
            or_(m.Reading.reader.is_(None), m.Reading.reader != READER),
        )
    )
    return bool(found)


def _apply_one(ctx, row: SelfReading, prefix: str = "") -> None:
    ref = str(row.property.registration)
    if _field_reading(row):
        ctx.count(prefix + "leitura_de_campo_mantida")
        ctx.error(f"Autoleitura {row.protocol} não aplicada: há leitura de campo.", ref)
        return
    item = ReadingInput(row.property_id, row.value, informed_day(row), reader=READER)
    try:
        with db.session.begin_nested():
            saved = record_readings(row.reference_month, [item], actor=READER)
    except BillingError as exc:
        ctx.count(prefix + "recusadas")
        ctx.error(f"Autoleitura {row.protocol} não aplicada: {exc}", ref)
        return
    row.reading_id, row.status = saved[0].id, "APLICADA"
    ctx.count(prefix + "aplicadas")


def apply_route(ctx, route_id: int, reference_month: int) -> None:
    """Apply a route's accepted readings of the month, inside a billing chunk.

    The billing jobs call this (hook ``sanea_route_readings``) before they
    decide the route's consumption, so the bill uses the customer's reading
    without anyone running ``self_reading.apply_readings`` first. Counts go
    to the billing run as ``autoleituras_*``; adhesions are not cancelled
    here (that stays with the apply job).
    """
    rows = db.session.scalars(
        select(SelfReading)
        .join(Property, Property.id == SelfReading.property_id)
        .join(Block, Block.id == Property.block_id)
        .where(
            Block.route_id == route_id,
            SelfReading.reference_month == reference_month,
            SelfReading.current.is_(True),
            SelfReading.status == "ACEITA",
        )
        .order_by(SelfReading.id)
    ).all()
    for row in rows:
        _apply_one(ctx, row, prefix="autoleituras_")


def _cancel_reason(adhesion: Adhesion, params, day) -> str | None:
    prop = adhesion.property
    if prop.water_situation.code != "connected":
        return "LIGACAO_INATIVA"
    if current_installation(prop.id) is None:
        return "SEM_HIDROMETRO"
    if not is_linked(prop, adhesion.customer_id, params.relation_types, day):
        return "TITULARIDADE"
    if missed_references(prop, adhesion, params, day) >= params.months_to_cancel:
        return "INATIVIDADE"
    return None


def apply_readings(ctx, reference_month: int | None = None) -> None:
    """Apply the accepted readings, then cancel the adhesions no longer kept."""
    query = select(SelfReading).where(
        SelfReading.current.is_(True), SelfReading.status == "ACEITA"
    )
    if reference_month:
        query = query.where(SelfReading.reference_month == int(reference_month))
    for row in db.session.scalars(query.order_by(SelfReading.id)).all():
        _apply_one(ctx, row)
        db.session.commit()
    params, day = p.load(), today()
    active = select(Adhesion).where(Adhesion.active.is_(True)).order_by(Adhesion.id)
    for adhesion in db.session.scalars(active).all():
        reason = _cancel_reason(adhesion, params, day)
        if reason is not None:
            leave(adhesion.property, reason=reason)
            ctx.count(f"canceladas.{reason}")
            db.session.commit()


# --- invitations ----------------------------------------------------------------------


def _ids(value) -> list[int]:
    if value in (None, "", []):
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    try:
        return [int(item) for item in items if str(item).strip()]
    except ValueError:
        raise JobError(f"Lista de códigos inválida: {value!r}.") from None


def split_invitations(params: dict) -> list[dict]:
    """Choose the routes of the run: by billing group, locality or route ids."""
    query = select(Route.id).join(Sector, Route.sector_id == Sector.id)
    if groups := _ids(params.get("grupos_faturamento")):
        query = query.where(Route.billing_group_id.in_(groups))
    if localities := _ids(params.get("localidades")):
        query = query.where(Sector.locality_id.in_(localities))
    if routes := _ids(params.get("rotas")):
        query = query.where(Route.id.in_(routes))
    limit = params.get("limite")
    only_impeded = str(params.get("somente_com_impedimento_leitura", "")).lower() in (
        "1",
        "true",
        "sim",
    )
    return [
        {
            "route_id": route_id,
            "only_impeded": only_impeded,
            "limit": int(limit) if limit not in (None, "") else None,
        }
        for route_id in db.session.scalars(query.order_by(Route.id))
    ]


def _user_of(prop: Property, day) -> Customer | None:
    return db.session.scalar(
        select(Customer)
        .join(CustomerProperty)
        .where(
            CustomerProperty.property_id == prop.id,
            CustomerProperty.relation == "user",
            (CustomerProperty.end_date.is_(None)) | (CustomerProperty.end_date > day),
        )
        .order_by(CustomerProperty.start_date)
        .limit(1)
    )


def _invited_recently(prop: Property, params, now) -> bool:
    from datetime import timedelta

    since = now - timedelta(days=params.invitation_interval_days)
    return (
        db.session.scalar(
            select(func.count()).where(
                Invitation.property_id == prop.id,
                Invitation.status != "FALHA",
                Invitation.sent_at > since,
            )
        )
        > 0
    )


def _impeded(prop: Property, params, day) -> bool:
    group = group_of(prop)
    month = current_reference(group, day) if group else day.year * 100 + day.month
    return (
        db.session.scalar(
            select(func.count())
            .select_from(m.Reading)
            .join(ReadingAnomaly, m.Reading.anomaly_id == ReadingAnomaly.id)
            .where(
                m.Reading.property_id == prop.id,
                m.Reading.reference_month >= shift_reference(month, -ANOMALY_MONTHS),
                ReadingAnomaly.code.in_(params.access_anomalies),
            )
        )
        > 0
    )


def skip_reason(prop: Property, user, params, day, now, only_impeded: bool):
    """Return why a property gets no invitation, or None to invite it."""
    if db.session.scalar(
        select(Adhesion.id).where(
            Adhesion.property_id == prop.id, Adhesion.active.is_(True)
        )
    ):
        return "JA_ADERIDO"
    if user is None:
        return "SEM_USUARIO"
    if reasons(prop, user.id, params, day):
        return "NAO_ELEGIVEL"
    if not on_file_address(user):
        return "SEM_EMAIL"
    if _invited_recently(prop, params, now):
        return "CONVIDADO_RECENTEMENTE"
    if only_impeded and not _impeded(prop, params, day):
        return "SEM_IMPEDIMENTO"
    return None


def _token(prop: Property) -> str:
    serializer = URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="self_reading.invitation"
    )
    return serializer.dumps({"matricula": str(prop.registration)})


def _invite(ctx, prop: Property, user: Customer, params, day) -> None:
    address = on_file_address(user)
    window = coming_window(prop, params, day)
    token = _token(prop)
    row = Invitation(
        property_id=prop.id,
        customer_id=user.id,
        email_hash=keyed_hash(address.lower(), "email"),
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        sent_at=now_utc(),
        status="ENVIADO",
        run_id=ctx.run_id,
    )
    link = (
        params.invitation_link.replace("{codigo}", token)
        if params.invitation_link
        else ""
    )
    try:
        mail.send(
            address,
            "self_reading/convite",
            name=user.name.split()[0].title(),
            registration=prop.registration,
            opens=window.opens if window else None,
            closes=window.closes if window else None,
            link=link,
            code=token,
            days=INVITATION_DAYS,
        )
    except mail.MailUnavailable as exc:
        row.status, row.error = "FALHA", str(exc)[:500]
        ctx.count("falhas")
        ctx.error(f"Convite não enviado: {exc}", str(prop.registration))
    else:
        ctx.count("enviados")
    db.session.add(row)
    db.session.commit()


def _sent_in_run(run_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Invitation.run_id == run_id, Invitation.status == "ENVIADO"
        )
    )


def send_route_invitations(
    ctx, route_id: int, only_impeded: bool = False, limit: int | None = None
) -> None:
    """Invite the eligible properties of one route (one chunk of UC2001)."""
    params, day, now = p.load(), today(), now_utc()
    pause = 60 / params.invitations_per_minute if params.invitations_per_minute else 0
    properties = db.session.scalars(
        select(Property)
        .join(Block, Property.block_id == Block.id)
        .where(Block.route_id == route_id)
        .order_by(Property.registration)
    ).all()
    for prop in properties:
        user = _user_of(prop, day)
        reason = skip_reason(prop, user, params, day, now, only_impeded)
        if reason is None and limit is not None and _sent_in_run(ctx.run_id) >= limit:
            reason = "LIMITE"
        if reason is not None:
            ctx.count(f"ignorados.{reason}")
            continue
        ctx.count("selecionados")
        _invite(ctx, prop, user, params, day)
        time.sleep(pause)


def invitation_report(run) -> dict:
    """Summarise an invitation run: selected, sent, failed, skipped by reason."""
    counts = run.counts()
    skipped = {
        key.split(".", 1)[1]: value
        for key, value in sorted(counts.items())
        if key.startswith("ignorados.")
    }
    return {
        "selecionados": counts.get("selecionados", 0),
        "enviados": counts.get("enviados", 0),
        "falhas": counts.get("falhas", 0),
        "ignorados": skipped,
    }


def split_apply(params: dict) -> list[dict]:
    """Check the optional reference month before a run is created: one chunk."""
    from core.services.billing_rules import check_reference_month

    month = params.get("reference_month")
    if month not in (None, ""):
        check_reference_month(month)  # ValueError in Portuguese
    return [params]


def job_definitions() -> list[JobDefinition]:
    """Return the plugin's jobs."""
    return [
        JobDefinition(
            APPLY,
            "Aplicar autoleituras e cancelar adesões inativas",
            apply_readings,
            split_apply,
            {"reference_month": "Referência (AAAAMM); vazio: todas"},
        ),
        JobDefinition(
            INVITE,
            "Enviar convites de autoleitura",
            send_route_invitations,
            split_invitations,
            {
                "grupos_faturamento": "Grupos de faturamento (ids, vírgula)",
                "localidades": "Localidades (ids, vírgula)",
                "rotas": "Rotas (ids, vírgula)",
                "somente_com_impedimento_leitura": "Só imóveis com "
                "impedimento de leitura nos últimos 6 meses (true/false)",
                "limite": "Máximo de convites enviados",
            },
        ),
    ]
