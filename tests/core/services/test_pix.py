"""PIX BR Code build and parse (integração-portal-mobile §5.1 and its vectors)."""

import binascii
from decimal import Decimal

import pytest

from core.services.pix import (
    InvalidBRCode,
    build_brcode,
    build_dynamic_brcode,
    crc16,
    parse_brcode,
    parse_tlv,
    tlv,
)

BCB_STATIC_BODY = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
    "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***6304"
)

VALID_VECTORS = {
    "P1": (
        "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000"
        "053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"
    ),
    "P2": (
        "00020101021226700014br.gov.bcb.pix2548pix.example.com/8b3da2f39a4140d1a91abd"
        "93113bd4415204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***6304"
        "64E4"
    ),
    "P3": (
        "00020126330014BR.GOV.BCB.PIX01115794666323452040000530398654041.005802BR5925"
        "CLENILTON CRUZ DE ALENCAR6006MANAUS62070503***6304FA88"
    ),
    "P4": (
        "00020101021226770014BR.GOV.BCB.PIX2555pix.example.com/qr/93598be0-1bd0-4997-"
        "8318-81776a1d8a995204000053039865802BR5907EMPRESA6009SAO PAULO62070503***"
        "6304EEAB"
    ),
    "P5": (
        "00020126850014br.gov.bcb.pix2563pix.voluti.com.br/qr/v3/at/c75d8412-3935-49d1"
        "-9d80-6435716962665204000053039865802BR5925SMARTPAY_SERVICOS_DIGITAI6013"
        "FLORIANOPOLIS62070503***6304575A"
    ),
    "V-CONTA": (
        "00020126360014br.gov.bcb.pix0114112223330001815204000053039865406123.455802BR"
        "5915CIA AGUAS TESTE6009BOA VISTA62210517C00005550012025026304375B"
    ),
    "V-GUIA": (
        "00020126360014br.gov.bcb.pix011411222333000181520400005303986540563.005802BR"
        "5915CIA AGUAS TESTE6009BOA VISTA62150511G000000098763040E47"
    ),
    "V-SEMVALOR": (
        "00020126360014br.gov.bcb.pix0114112223330001815204000053039865802BR5915CIA "
        "AGUAS TESTE6009BOA VISTA62070503***63047C42"
    ),
    "V-DINAMICO": (
        "00020101021226810014br.gov.bcb.pix2559psp.example.com/qr/v2/cobv/0f1e2d3c4b5a"
        "69788796a5b4c3d2e1f05204000053039865802BR5915CIA AGUAS TESTE6009BOA VISTA"
        "62070503***63047A76"
    ),
    "V-EMAIL": (
        "00020126600014br.gov.bcb.pix0121pix@aguas.example.com0213Conta 2025-0252040000"
        "530398654041.005802BR5915CIA AGUAS TESTE6009BOA VISTA62150511E00000044116304"
        "CC14"
    ),
}

N1_PUBLISHED_WRONG_CRC = (
    "00020126580014br.gov.bcb.Pix0136123e4567-e12b-12d1-a456-42665544000052040000"
    "5303986540510.005802BR5913TESTE ACCOUNT6008BRASILIA62070503***630445C8"
)
N2_FIELD_62_WRONG_LENGTH = (
    "00020126360014BR.GOV.BCB.PIX0114+5511943214321520400005303986540566.665802BR"
    "5907EMPRESA6008BRASILIA62080503***6304170E"
)

TENANT_KEY = "11222333000181"


# -- CRC -----------------------------------------------------------------------


def test_crc16_of_check_string_is_29b1():
    assert crc16(b"123456789") == "29B1"
    assert crc16("123456789") == "29B1"


def test_crc16_agrees_with_binascii_crc_hqx():
    for payload in (BCB_STATIC_BODY, *VALID_VECTORS.values(), ""):
        data = payload.encode("ascii")
        assert crc16(data) == f"{binascii.crc_hqx(data, 0xFFFF):04X}"


def test_crc16_of_bcb_static_example_is_1d3d():
    assert crc16(BCB_STATIC_BODY) == "1D3D"


def test_crc16_of_empty_input_is_initial_value():
    assert crc16(b"") == "FFFF"


def test_crc16_pads_to_four_upper_case_digits():
    assert binascii.crc_hqx(b"315", 0xFFFF) == 0x3B
    assert crc16(b"315") == "003B"


# -- parsing the published and self-computed vectors ---------------------------


@pytest.mark.parametrize("name", sorted(VALID_VECTORS))
def test_parse_brcode_accepts_vector(name):
    payload = VALID_VECTORS[name]
    parsed = parse_brcode(payload)
    assert parsed.crc == payload[-4:]
    assert parsed.payload == payload
    assert parsed.country_code == "BR"
    assert parsed.transaction_currency == "986"


def test_parse_brcode_reads_bcb_static_example_in_mixed_case():
    parsed = parse_brcode(BCB_STATIC_BODY + "1D3D")
    assert parsed.merchant_name == "Fulano de Tal"
    assert parsed.merchant_city == "BRASILIA"
    assert parsed.key == "123e4567-e12b-12d1-a456-426655440000"
    assert parsed.gui == "br.gov.bcb.pix"
    assert parsed.amount is None
    assert parsed.txid == "***"
    assert parsed.point_of_initiation_method is None
    assert parsed.is_dynamic is False


def test_parse_brcode_reads_amount_and_txid_of_bill_vector():
    parsed = parse_brcode(VALID_VECTORS["V-CONTA"])
    assert parsed.amount == Decimal("123.45")
    assert parsed.txid == "C0000555001202502"
    assert parsed.key == TENANT_KEY
    assert parsed.merchant_name == "CIA AGUAS TESTE"
    assert parsed.merchant_city == "BOA VISTA"


def test_parse_brcode_reads_upper_case_gui():
    parsed = parse_brcode(VALID_VECTORS["P3"])
    assert parsed.gui == "BR.GOV.BCB.PIX"
    assert parsed.key == "57946663234"
    assert parsed.amount == Decimal("1.00")


def test_parse_brcode_reads_dynamic_location():
    parsed = parse_brcode(VALID_VECTORS["V-DINAMICO"])
    assert parsed.is_dynamic is True
    assert parsed.point_of_initiation_method == "12"
    assert parsed.key is None
    assert parsed.location == (
        "psp.example.com/qr/v2/cobv/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    )


def test_parse_brcode_reads_description():
    parsed = parse_brcode(VALID_VECTORS["V-EMAIL"])
    assert parsed.key == "pix@aguas.example.com"
    assert parsed.description == "Conta 2025-02"
    assert parsed.txid == "E0000004411"


def test_parse_brcode_ignores_surrounding_whitespace():
    assert parse_brcode(f"  {VALID_VECTORS['P1']}\n").crc == "1D3D"


# -- vectors that must be refused ------------------------------------------------


def test_parse_brcode_refuses_published_wrong_crc():
    with pytest.raises(InvalidBRCode, match="02A4") as error:
        parse_brcode(N1_PUBLISHED_WRONG_CRC)
    assert error.value.code == "CRC_INVALIDO"


def test_parse_brcode_refuses_field_with_wrong_length_despite_right_crc():
    assert crc16(N2_FIELD_62_WRONG_LENGTH[:-4]) == "170E"
    with pytest.raises(InvalidBRCode) as error:
        parse_brcode(N2_FIELD_62_WRONG_LENGTH)
    assert error.value.code == "TLV_INVALIDO"


def test_parse_brcode_refuses_text_after_crc():
    # The legacy generator's shape: fixed CRC 1D3D, no amount, city after the CRC.
    payload = (
        "00020126360014br.gov.bcb.pix011411222333000181520400005303986"
        "5802BR5915CIA AGUAS TESTE6009BOA VISTA62070503***63041D3DBOA VISTA"
    )
    with pytest.raises(InvalidBRCode):
        parse_brcode(payload)


def test_parse_brcode_refuses_one_changed_character():
    payload = VALID_VECTORS["V-CONTA"].replace("123.45", "123.46")
    with pytest.raises(InvalidBRCode) as error:
        parse_brcode(payload)
    assert error.value.code == "CRC_INVALIDO"


def test_parse_brcode_accepts_lower_case_crc_digits():
    payload = VALID_VECTORS["V-EMAIL"]
    assert parse_brcode(payload[:-4] + payload[-4:].lower()).crc == "CC14"


def _with_crc(body: str) -> str:
    return body + "6304" + crc16(body + "6304")


def test_parse_brcode_refuses_name_over_25_characters_with_valid_crc():
    body = BCB_STATIC_BODY[:-4].replace(
        "5913Fulano de Tal", "5926ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    )
    with pytest.raises(InvalidBRCode, match="59") as error:
        parse_brcode(_with_crc(body))
    assert error.value.code == "CAMPO_INVALIDO"


def test_parse_brcode_refuses_missing_txid_field():
    body = BCB_STATIC_BODY[:-4].replace("62070503***", "")
    with pytest.raises(InvalidBRCode, match="62") as error:
        parse_brcode(_with_crc(body))
    assert error.value.code == "CAMPO_AUSENTE"


def test_parse_brcode_refuses_payload_not_starting_with_00():
    body = BCB_STATIC_BODY[6:-4] + "000201"
    with pytest.raises(InvalidBRCode) as error:
        parse_brcode(_with_crc(body))
    assert error.value.code == "TLV_INVALIDO"


def test_parse_brcode_refuses_other_currency():
    body = BCB_STATIC_BODY[:-4].replace("5303986", "5303840")
    with pytest.raises(InvalidBRCode, match="986"):
        parse_brcode(_with_crc(body))


def test_parse_brcode_refuses_account_without_pix_gui():
    body = BCB_STATIC_BODY[:-4].replace("br.gov.bcb.pix", "br.gov.bcb.xyz")
    with pytest.raises(InvalidBRCode) as error:
        parse_brcode(_with_crc(body))
    assert error.value.code == "CAMPO_AUSENTE"


def test_parse_brcode_refuses_malformed_amount():
    body = BCB_STATIC_BODY[:-4].replace("5802BR", "54041,005802BR")
    with pytest.raises(InvalidBRCode, match="54"):
        parse_brcode(_with_crc(body))


# -- TLV -----------------------------------------------------------------------


def test_tlv_writes_id_and_two_digit_length():
    assert tlv("05", "***") == "0503***"
    assert tlv("59", "CIA AGUAS TESTE") == "5915CIA AGUAS TESTE"


def test_tlv_refuses_value_over_99_characters():
    with pytest.raises(InvalidBRCode):
        tlv("26", "x" * 100)


def test_parse_tlv_splits_fields_in_order():
    assert parse_tlv("0002010503***") == {"00": "01", "05": "***"}


def test_parse_tlv_refuses_truncated_and_repeated_fields():
    for text in ("000201059", "0002010002", "00AB01"):
        with pytest.raises(InvalidBRCode) as error:
            parse_tlv(text)
        assert error.value.code == "TLV_INVALIDO"


# -- building ------------------------------------------------------------------


def test_build_brcode_reproduces_bill_vector():
    payload = build_brcode(
        TENANT_KEY,
        Decimal("123.45"),
        "CIA AGUAS TESTE",
        "BOA VISTA",
        "C0000555001202502",
    )
    assert payload == VALID_VECTORS["V-CONTA"]


def test_build_brcode_reproduces_slip_vector():
    payload = build_brcode(
        TENANT_KEY, Decimal("63.00"), "CIA AGUAS TESTE", "BOA VISTA", "G0000000987"
    )
    assert payload == VALID_VECTORS["V-GUIA"]


def test_build_brcode_without_amount_and_txid_reproduces_vector():
    payload = build_brcode(TENANT_KEY, None, "CIA AGUAS TESTE", "BOA VISTA")
    assert payload == VALID_VECTORS["V-SEMVALOR"]
    assert "54" not in parse_brcode(payload).fields


def test_build_brcode_with_description_reproduces_email_vector():
    payload = build_brcode(
        "pix@aguas.example.com",
        Decimal("1.00"),
        "CIA AGUAS TESTE",
        "BOA VISTA",
        "E0000004411",
        description="Conta 2025-02",
    )
    assert payload == VALID_VECTORS["V-EMAIL"]


def test_build_dynamic_brcode_reproduces_dynamic_vector():
    payload = build_dynamic_brcode(
        "https://psp.example.com/qr/v2/cobv/0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "CIA AGUAS TESTE",
        "BOA VISTA",
    )
    assert payload == VALID_VECTORS["V-DINAMICO"]


def test_build_brcode_upper_cases_and_strips_accents():
    payload = build_brcode(TENANT_KEY, None, "Cia Águas Teste", "Boa Vista")
    assert payload == VALID_VECTORS["V-SEMVALOR"]


def test_build_brcode_normalises_bcb_example_name():
    payload = build_brcode(
        "123e4567-e12b-12d1-a456-426655440000", None, "Fulano de Tal", "Brasília"
    )
    expected_body = BCB_STATIC_BODY.replace("Fulano de Tal", "FULANO DE TAL")
    assert payload[:-4] == expected_body
    assert parse_brcode(payload).merchant_name == "FULANO DE TAL"


def test_build_brcode_cuts_name_to_25_and_city_to_15():
    name, city = "Companhia de Águas e Esgotos de Roraima", "São José dos Campos"
    parsed = parse_brcode(build_brcode(TENANT_KEY, None, name, city))
    assert parsed.merchant_name == "COMPANHIA DE AGUAS E ESGO"
    assert parsed.merchant_city == "SAO JOSE DOS CA"


def test_build_brcode_writes_amount_with_two_decimals():
    parsed = parse_brcode(build_brcode(TENANT_KEY, Decimal("7"), "CIA", "BOA VISTA"))
    assert parsed.fields["54"] == "7.00"
    assert parsed.amount == Decimal("7.00")


@pytest.mark.parametrize(
    "amount", [Decimal("0"), Decimal("-1.00"), Decimal("1.005"), Decimal("1e13"), 1.5]
)
def test_build_brcode_refuses_bad_amount(amount):
    with pytest.raises(InvalidBRCode):
        build_brcode(TENANT_KEY, amount, "CIA", "BOA VISTA")


@pytest.mark.parametrize("txid", ["", "C-0001", "A" * 26, "Conta 1"])
def test_build_brcode_refuses_bad_txid(txid):
    with pytest.raises(InvalidBRCode, match="txid"):
        build_brcode(TENANT_KEY, None, "CIA", "BOA VISTA", txid)


def test_build_brcode_refuses_empty_name_and_key():
    with pytest.raises(InvalidBRCode):
        build_brcode(TENANT_KEY, None, "  ", "BOA VISTA")
    with pytest.raises(InvalidBRCode):
        build_brcode("", None, "CIA", "BOA VISTA")


def test_build_brcode_refuses_account_over_99_characters():
    with pytest.raises(InvalidBRCode):
        build_brcode(TENANT_KEY, None, "CIA", "BOA VISTA", description="x" * 70)
