"""The e-licence identifier and its ISO/IEC 7064 MOD 37,36 check character."""

from __future__ import annotations

import pytest

from onewindow.licences.identifiers import (
    ALPHABET,
    ROOT,
    build_identifier,
    is_valid_identifier,
    mod37_36_check_char,
    mod37_36_is_valid,
    parse_identifier,
)

# Published examples of MOD 37,36: the GRid example (A1-2425G-ABC1234002-M), the ISAN example
# (0000-0000-D07A-0090-Q) and python-stdnum's reference values.
KNOWN = [("A12425GABC1234002", "M"), ("00000000D07A0090", "Q"), ("A", "H"), ("0", "2"), ("XYZ123", "I"),
         ("PK260000123", "Y"), ("PK260000001", "H")]

# E-licence identifiers as published in national e-licence specifications and provincial integration docs.
REAL = [
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S",
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W087.11370800MB28559184.37080001202411010001.001.3",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
]


@pytest.mark.parametrize(("data", "check"), KNOWN)
def test_check_char_matches_published_examples(data, check):
    assert mod37_36_check_char(data) == check
    assert mod37_36_is_valid(data + check)


@pytest.mark.parametrize("identifier", REAL)
def test_real_identifiers_validate(identifier):
    parsed = parse_identifier(identifier)
    assert str(parsed) == identifier
    assert is_valid_identifier(identifier)


def test_the_domain_structure_builds_and_parses():
    # DOMAIN.md: root + type code (owner's 18-char credit code + 3 digits) + issuer's credit code + serial
    # + 3-digit version + check character over type code + issuer code + serial + version.
    identifier = build_identifier("11100000000013338W011", "11430000006122244L", "20230000403", 2)
    assert identifier == "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S"
    parts = identifier[len(ROOT):].split(".")
    assert [len(parts[0]), len(parts[1]), len(parts[3]), len(parts[4])] == [21, 18, 3, 1]
    assert parts[4] == mod37_36_check_char("".join(parts[:4]))


def test_every_single_character_error_is_detected():
    body = "11100000000013338W01111430000006122244L20230000403002"
    good = body + mod37_36_check_char(body)
    for i in range(len(good)):
        for c in ALPHABET:
            if c != good[i]:
                assert not mod37_36_is_valid(good[:i] + c + good[i + 1:]), (i, c)


def test_adjacent_transpositions_are_detected():
    body = "11100000000013338W01111430000006122244L20230000403002"
    good = body + mod37_36_check_char(body)
    for i in range(len(good) - 1):
        if good[i] != good[i + 1]:
            swapped = good[:i] + good[i + 1] + good[i] + good[i + 2:]
            assert not mod37_36_is_valid(swapped), i


@pytest.mark.parametrize("data", ["", "abc", "A-1", "Ä", "12 3"])
def test_check_char_refuses_input_outside_the_alphabet(data):
    with pytest.raises(ValueError):
        mod37_36_check_char(data)
    assert not mod37_36_is_valid(data + "0")


@pytest.mark.parametrize("identifier", [
    "",
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.T",  # wrong check char
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.2.S",  # version not 3 digits
    "1.2.156.3005.1.11100000000013338W011.11430000006122244L.20230000403.002.S",  # wrong root
    "1.2.156.3005.2.11100000000013338W01.11430000006122244L.20230000403.002.S",  # type code too short
    "1.2.156.3005.2.11100000000013338W011.1143000000612224L.20230000403.002.S",  # issuer code too short
    "1.2.156.3005.2.11100000000013338w011.11430000006122244L.20230000403.002.S",  # lower case
])
def test_malformed_identifiers_are_refused(identifier):
    assert not is_valid_identifier(identifier)
    with pytest.raises(ValueError):
        parse_identifier(identifier)


def test_build_refuses_bad_parts():
    with pytest.raises(ValueError):
        build_identifier("11100000000013338W011", "11430000006122244L", "2023-1", 1)
    with pytest.raises(ValueError):
        build_identifier("11100000000013338W011", "11430000006122244L", "1", 1000)
