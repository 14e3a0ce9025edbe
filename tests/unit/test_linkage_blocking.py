"""Which pairs the linkage compares (decision 0073): the errors a record without an NHS number
carries still leave a rule that finds its person, while people who share only a common surname
and birth year, or a first name and surname, are not compared (their blocks grow with the
population, and at London's size made billions of pairs)."""

import datetime as dt

import duckdb
import pyarrow as pa

from octopus.population.linkage.probabilistic import candidates_sql, score_pairs

# (unit key, NHS number, given name, family name, date of birth, postcode)
PEOPLE = [
    ("gp:john", "9000000001", "John", "Smith", dt.date(1950, 3, 14), "E1 6AN"),
    # the same John, no NHS number: the year of birth mistyped, and he has moved
    ("vcse:john", None, "John", "Smith", dt.date(1951, 3, 14), "N1 9GU"),
    ("gp:mary", "9000000002", "Mary", "Jones", dt.date(1960, 5, 4), "SE1 7PB"),
    # the same Mary, no NHS number and no date of birth, at a new address
    ("asc:mary", None, "Mary", "Jones", None, "W2 1HU"),
    ("gp:ahmed", "9000000003", "Ahmed", "Khan", dt.date(1970, 2, 8), "E14 5AB"),
    # the same Ahmed, day and month swapped, at a new address
    ("las:ahmed", None, "Ahmed", "Khan", dt.date(1970, 8, 2), "E3 4QQ"),
    # the same Bill, under his full name and with the postcode's typo: nickname and initial agree
    ("gp:bill", "9000000004", "William", "Okafor", dt.date(1948, 12, 1), "SE15 4RA"),
    ("vcse:bill", None, "Bill", "Okafor", dt.date(1948, 12, 1), "SE15 4AR"),
    # other people who share with the unnumbered records only what a common name shares
    ("gp:zara", "9000000005", "Zara", "Smith", dt.date(1951, 11, 30), "SW1A 1AA"),
    ("gp:john2", "9000000006", "John", "Smith", dt.date(1980, 7, 7), "NW1 2DB"),
    ("gp:mary2", "9000000007", "Mary", "Jones", dt.date(1960, 9, 21), "SE1 7PB"),
]


def compared_pairs() -> set[frozenset[str]]:
    keys, nhs, given, family, born, postcode = zip(*PEOPLE, strict=True)
    units = pa.table(
        {
            "unit_key": keys,
            "nhs_number": pa.array(nhs, pa.string()),
            "given_name": given,
            "family_name": family,
            "date_of_birth": pa.array(born, pa.date32()),
            "sex": ["unknown"] * len(keys),
            "postcode": postcode,
            "has_demographics": [True] * len(keys),
        }
    )
    connection = duckdb.connect()
    connection.register("units", units)
    candidates = connection.sql(candidates_sql("units")).to_arrow_table()
    # A threshold of 0 keeps every compared pair, so the result is exactly what blocking let through.
    scored = score_pairs(candidates, 0.0)
    return {
        frozenset(pair)
        for pair in zip(scored.column("unit_key_l").to_pylist(), scored.column("unit_key_r").to_pylist(), strict=True)
    }


def test_each_kind_of_error_still_reaches_its_person_and_common_names_alone_do_not_pair():
    compared = compared_pairs()
    same_person = [("gp:john", "vcse:john"), ("gp:mary", "asc:mary"), ("gp:ahmed", "las:ahmed")]
    same_person.append(("gp:bill", "vcse:bill"))
    for pair in same_person:
        assert frozenset(pair) in compared, pair
    # Same surname and birth year, different initial: the old surname-and-year rule compared them.
    assert frozenset(("gp:zara", "vcse:john")) not in compared
    # Same first name and surname, a different birthday: the old name rule compared them.
    assert frozenset(("gp:john2", "vcse:john")) not in compared
    # A record without a date of birth is compared with everyone of its name, wherever they live.
    assert frozenset(("gp:mary2", "asc:mary")) in compared
    # Two NHS numbers decide for themselves: never compared, however alike.
    assert not {pair for pair in compared if all(key.startswith("gp:") for key in pair)}
