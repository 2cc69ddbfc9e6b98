"""The regulatory agency plugin's removal check counts service requests."""

from datetime import date

import pytest

from core.domain.reference import RequestSpecification, RequestType
from core.extensions import db
from core.service.commands import RequestInput, open_request
from core.services.identifiers import make_cnpj


@pytest.mark.uc("UC2100")
def test_regulator_referenced_by_a_request_is_inactivated_not_deleted(day_app):
    from plugins.regulatory_agency.commands import (
        AgencyInput,
        insert_agency,
        remove_agency,
    )

    kind = RequestType(code="complaint", label="Reclamação")
    db.session.add(RequestSpecification(code="quality", label="Qualidade da água",
                                        request_type=kind, deadline_days=5))
    agency = insert_agency(AgencyInput(
        name="Agência Reguladora de Teste", acronym="ART",
        cnpj=make_cnpj(123456780001), sphere="ESTADUAL",
        valid_from=date(2016, 1, 1)))
    open_request(RequestInput(specification="quality", channel="regulator",
                              requester_name="Ouvidoria", address="Rua D",
                              regulator_id=agency.id))
    db.session.commit()

    result = remove_agency(agency.id)

    assert not result.deleted
    assert ("registros de atendimento", 1) in result.references
    assert "registros de atendimento: 1" in result.message
    assert agency.active is False
