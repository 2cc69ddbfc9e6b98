"""Matrícula, inscrição, CPF and CNPJ (core-domain §4.1, §4.3; integração §5.2-5.3)."""

import pytest

from core.services.identifiers import (
    CNPJ,
    CPF,
    Inscription,
    InvalidDocument,
    InvalidIdentifier,
    check_cnpj,
    check_cpf,
    check_cpf_cnpj,
    cnpj_check_digits,
    cpf_check_digits,
    format_cnpj,
    format_cpf,
    format_cpf_cnpj,
    format_inscription,
    format_registration,
    make_cnpj,
    make_cpf,
    make_registration,
    mod10_check_digit,
    mod11_check_digit,
    normalize_document,
    parse_inscription,
    split_registration,
    validate_cnpj,
    validate_cpf,
    validate_cpf_cnpj,
    validate_registration,
)

# -- check digits ------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "digit"),
    [(123456, 0), (100, 7), (98765, 4), (1000, 6), (987654321, 6), (35, 3)],
)
def test_mod11_check_digit_matches_spec_vectors(number, digit):
    assert mod11_check_digit(number) == digit
    assert mod11_check_digit(str(number)) == digit


def test_mod11_check_digit_maps_remainder_one_to_zero():
    # "4": 4*2 = 8 -> 11-8 = 3; "5": 10 -> 11-10 = 1; "6": 12 mod 11 = 1 -> 0
    assert mod11_check_digit("4") == 3
    assert mod11_check_digit("5") == 1
    assert mod11_check_digit("6") == 0


def test_mod10_check_digit_adds_digits_of_products():
    # 201603 from the right: 3*2=6, 0, 6*2=12 -> 1+2, 1, 0, 2 -> 12 -> 8
    assert mod10_check_digit(201603) == 8
    assert mod10_check_digit("0") == 0
    assert mod10_check_digit("5") == 9  # 5*2 = 10 -> 1 -> 9


def test_mod11_check_digit_refuses_non_digits():
    with pytest.raises(InvalidIdentifier):
        mod11_check_digit("12a")
    with pytest.raises(InvalidIdentifier):
        mod11_check_digit(-5)


# -- matrícula ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sequence", "registration"),
    [(123456, 1234560), (100, 1007), (98765, 987654), (987654321, 9876543216)],
)
def test_make_registration_appends_mod11_digit(sequence, registration):
    assert make_registration(sequence) == registration


def test_make_registration_refuses_zero_and_negative():
    for bad in (0, -1, True):
        with pytest.raises(InvalidIdentifier):
            make_registration(bad)


def test_validate_registration_accepts_int_digits_and_display_form():
    assert validate_registration(1234560) is True
    assert validate_registration("1007") is True
    assert validate_registration("123456.0") is True
    assert validate_registration(" 987654 ") is True


def test_validate_registration_rejects_wrong_digit_and_garbage():
    assert validate_registration(1234561) is False
    assert validate_registration("10006x") is False
    assert validate_registration("7") is False
    assert validate_registration("") is False


def test_format_registration_puts_dot_before_digit():
    assert format_registration(1234567) == "123456.7"
    assert format_registration("1007") == "100.7"


def test_split_registration_returns_base_and_digit():
    assert split_registration(1234567) == (123456, 7)
    assert split_registration("123456.0") == (123456, 0)


# -- inscrição -----------------------------------------------------------------


def test_format_inscription_pads_each_part():
    assert format_inscription(1, 2, 3, 4, 5) == "001.002.003.0004.005"
    assert format_inscription(101, 15, 230, 1250, 0) == "101.015.230.1250.000"


def test_format_inscription_widens_block_by_company():
    assert format_inscription(1, 2, 3, 4, 5, block_digits=5) == "001.002.00003.0004.005"


def test_format_inscription_keeps_longer_values_whole():
    assert format_inscription(1234, 2, 3, 4, 5) == "1234.002.003.0004.005"


def test_format_inscription_refuses_bad_block_width_and_negative():
    with pytest.raises(InvalidIdentifier):
        format_inscription(1, 2, 3, 4, 5, block_digits=6)
    with pytest.raises(InvalidIdentifier):
        format_inscription(1, -2, 3, 4, 5)


def test_parse_inscription_reads_dotted_and_bare_forms():
    expected = Inscription(locality=1, sector=2, block=3, lot=4, sublot=5)
    assert parse_inscription("001.002.003.0004.005") == expected
    assert parse_inscription("0010020030004005") == expected
    assert parse_inscription("00100200300004000", block_digits=4) == Inscription(
        1, 2, 30, 4, 0
    )


def test_parse_inscription_round_trips_format():
    inscription = Inscription(101, 15, 2301, 1250, 7)
    text = inscription.format(block_digits=4)
    assert text == "101.015.2301.1250.007"
    assert parse_inscription(text, block_digits=4) == inscription


def test_parse_inscription_refuses_malformed_text():
    for bad in ("001.002.003.0004", "001.002.0x3.0004.005", "12345", ""):
        with pytest.raises(InvalidIdentifier):
            parse_inscription(bad)


# -- CPF -----------------------------------------------------------------------


@pytest.mark.parametrize("cpf", ["52998224725", "11144477735", "12345678909"])
def test_validate_cpf_accepts_spec_vectors(cpf):
    assert validate_cpf(cpf) is True


@pytest.mark.parametrize(
    ("cpf", "code"),
    [
        ("52998224724", "DIGITO_VERIFICADOR"),
        ("11111111111", "SEQUENCIA_REPETIDA"),
        ("1234567890", "TAMANHO"),
        ("5299822472A", "CARACTERE_INVALIDO"),
    ],
)
def test_check_cpf_reports_failed_rule(cpf, code):
    assert validate_cpf(cpf) is False
    with pytest.raises(InvalidDocument) as error:
        check_cpf(cpf)
    assert error.value.code == code
    assert isinstance(error.value, ValueError)


def test_check_cpf_rejects_every_repeated_digit():
    for digit in "0123456789":
        assert validate_cpf(digit * 11) is False


def test_check_cpf_message_is_portuguese():
    with pytest.raises(InvalidDocument, match="dígito verificador do CPF não confere"):
        check_cpf("52998224724")


def test_check_cpf_ignores_punctuation():
    assert check_cpf("529.982.247-25") == "52998224725"


def test_cpf_check_digits_computes_both_digits():
    assert cpf_check_digits("529982247") == "25"
    assert cpf_check_digits("111444777") == "35"


def test_make_cpf_returns_valid_cpf():
    assert make_cpf("529982247") == "52998224725"
    assert make_cpf(123456789) == "12345678909"
    assert make_cpf(1) == "00000000191"
    assert validate_cpf(make_cpf(987654321)) is True


def test_make_cpf_refuses_malformed_base():
    for base in ("52998224", "52998224X"):
        with pytest.raises(InvalidDocument):
            make_cpf(base)


def test_make_cpf_refuses_repeated_base():
    with pytest.raises(InvalidDocument):
        make_cpf("111111111")


def test_format_cpf_masks_digits():
    assert format_cpf("52998224725") == "529.982.247-25"


def test_format_cpf_refuses_invalid_cpf():
    with pytest.raises(InvalidDocument):
        format_cpf("52998224724")


# -- CNPJ ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "cnpj", ["11222333000181", "12ABC34501DE35", "42318949000184", "44038188000132"]
)
def test_validate_cnpj_accepts_spec_vectors(cnpj):
    assert validate_cnpj(cnpj) is True


@pytest.mark.parametrize(
    ("cnpj", "code"),
    [
        ("11222333000180", "DIGITO_VERIFICADOR"),
        ("12ABC34501DE34", "DIGITO_VERIFICADOR"),
        ("00000000000000", "SEQUENCIA_REPETIDA"),
        ("12ABC34501DE3A", "CARACTERE_INVALIDO"),
        ("1122233300018", "TAMANHO"),
    ],
)
def test_check_cnpj_reports_failed_rule(cnpj, code):
    assert validate_cnpj(cnpj) is False
    with pytest.raises(InvalidDocument) as error:
        check_cnpj(cnpj)
    assert error.value.code == code


def test_validate_cnpj_accepts_formatted_alphanumeric():
    assert validate_cnpj("12.ABC.345/01DE-35") is True


def test_validate_cnpj_rejects_lower_case_letter():
    assert validate_cnpj("12.ABc.345/01DE-35") is False
    with pytest.raises(InvalidDocument, match="maiúsculas") as error:
        check_cnpj("12.ABc.345/01DE-35")
    assert error.value.code == "CARACTERE_INVALIDO"


def test_normalize_document_strips_punctuation_and_upper_cases():
    assert normalize_document("12.ABc.345/01DE-35") == "12ABC34501DE35"
    assert normalize_document(" 529.982.247-25 ") == "52998224725"
    assert validate_cnpj(normalize_document("12.abc.345/01de-35")) is True


def test_normalize_document_keeps_other_characters_for_the_check():
    assert normalize_document("529*982") == "529*982"


def test_cnpj_check_digits_values_letters_by_ascii_code():
    # A = 17, B = 18, C = 19 (ord - 48): Receita's worked example.
    assert cnpj_check_digits("12ABC34501DE") == "35"
    assert cnpj_check_digits("112223330001") == "81"


def test_cnpj_check_digits_refuses_lower_case_base():
    with pytest.raises(InvalidDocument):
        cnpj_check_digits("12abc34501de")


def test_make_cnpj_returns_valid_numeric_and_alphanumeric():
    assert make_cnpj("112223330001") == "11222333000181"
    assert make_cnpj("12ABC34501DE") == "12ABC34501DE35"
    assert make_cnpj(1) == "00000000000191"


def test_format_cnpj_masks_alphanumeric():
    assert format_cnpj("12ABC34501DE35") == "12.ABC.345/01DE-35"
    assert format_cnpj("11222333000181") == "11.222.333/0001-81"


# -- CPF or CNPJ ---------------------------------------------------------------


def test_check_cpf_cnpj_picks_kind_by_length():
    cpf = check_cpf_cnpj("529.982.247-25")
    cnpj = check_cpf_cnpj("12.ABC.345/01DE-35")
    assert (cpf.kind, cpf.number) == (CPF, "52998224725")
    assert (cnpj.kind, cnpj.number) == (CNPJ, "12ABC34501DE35")
    assert cnpj.formatted == "12.ABC.345/01DE-35"


def test_check_cpf_cnpj_refuses_other_lengths():
    with pytest.raises(InvalidDocument) as error:
        check_cpf_cnpj("123456789012")
    assert error.value.code == "TAMANHO"


def test_validate_cpf_cnpj_accepts_both_and_rejects_bad_digit():
    assert validate_cpf_cnpj("52998224725") is True
    assert validate_cpf_cnpj("11222333000181") is True
    assert validate_cpf_cnpj("11222333000180") is False
    assert validate_cpf_cnpj("52998224724") is False


def test_format_cpf_cnpj_formats_either():
    assert format_cpf_cnpj("52998224725") == "529.982.247-25"
    assert format_cpf_cnpj("42318949000184") == "42.318.949/0001-84"
