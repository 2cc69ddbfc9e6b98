"""Schemathesis against the served OpenAPI document, in process (WSGI).

BOT-CAERN identifies Maria through the chain (matrícula + birth date) and
calls every identification, customer and self-reading operation with
generated requests; the path's matrícula and customer are hers most of
the time, so the handlers run for real. No answer may be a server error,
use an undocumented status or content type, or break its schema.
Examples are few and derandomized (``MAX_EXAMPLES`` per operation) so the
run is short and repeatable; ``SANEA_SCHEMATHESIS_EXAMPLES=200`` digs deeper.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from core.extensions import db
from core.params import set_parameter
from core.toolkits.api_platform.limits import forget_policies
from core.toolkits.api_platform.models import CallLog, PartnerPolicy

MAX_EXAMPLES = int(os.environ.get("SANEA_SCHEMATHESIS_EXAMPLES", "6"))
FAMILIES = r"^/(identificacoes|clientes|imoveis/\{matricula\}/autoleitura)"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
OWN = {"matricula": "1234560", "cliente_id": 1001}


def _raise_limits(world) -> None:
    """The run makes hundreds of calls in one minute of the frozen clock."""
    partner = world.partners["BOT-CAERN"]
    partner.rate_limit_per_minute = 100_000
    db.session.add(PartnerPolicy(partner_id=partner.id,
                                 customer_rate_limit_per_minute=100_000,
                                 document_attempts_per_hour=100_000))
    set_parameter("self_reading", "verifications_per_hour", 100_000)
    db.session.commit()
    forget_policies()  # the identification chain kept the default policy


def _run_operation(operation, headers: dict) -> None:
    @given(case=operation.as_strategy(), own=st.booleans())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def check(case, own):
        if own and case.path_parameters:
            case.path_parameters.update({k: v for k, v in OWN.items()
                                         if k in case.path_parameters})
            if case.query:
                case.query.pop("cursor", None)  # a random cursor is always refused
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_partner_api_answers_within_its_schema(app, world, reader, mailbox):
    _raise_limits(world)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in
                  schema.include(path_regex=FAMILIES).get_all_operations()]
    assert len(operations) >= 18
    headers = {"Authorization": f"Bearer {reader.token}",
               "X-Cliente-Sessao": reader.session}
    for operation in operations:
        _run_operation(operation, headers)

    answered = db.session.execute(select(CallLog.operation, CallLog.status)).all()
    assert len(answered) >= len(operations) * 2
    succeeded = {name for name, status in answered if status < 300}
    assert {"consultar_autoleitura", "consultar_periodo_leitura",
            "listar_imoveis_cliente"} <= succeeded
    assert all(status < 500 for _, status in answered)
