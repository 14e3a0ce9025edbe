"""UK Core readers: every mapped code is one the feeds accept, and each coding is read."""

from octopus.population.codelists import codes, read_codelist
from octopus.population.feeds import fhir_uk_core as uk


def test_every_ethnic_category_maps_to_its_2001_census_concept_in_the_code_list():
    listed = read_codelist("ethnicity_snomed_opensafely.csv").set_index("code")
    assert sorted(uk.ETHNIC_CATEGORY_TO_SNOMED) == list("ABCDEFGHJKLMNPRS")
    groups = [int(listed.loc[code, "Grouping_16"]) for code in uk.ETHNIC_CATEGORY_TO_SNOMED.values()]
    # The Data Dictionary letters A-S are the 16 census groups in order.
    assert groups == list(range(1, 17))
    assert all(
        "ethnic category 2001 census" in listed.loc[code, "Ethnicity"] for code in uk.ETHNIC_CATEGORY_TO_SNOMED.values()
    )


def test_ethnicity_reads_a_letter_or_a_listed_snomed_code_and_leaves_not_stated_empty():
    listed = codes("ethnicity_snomed_opensafely.csv")

    def patient(coding):
        return {"extension": [{"url": uk.ETHNIC_CATEGORY_URL, "valueCodeableConcept": {"coding": [coding]}}]}

    assert uk.ethnicity_snomed(patient({"code": "H"}), listed) == "110751000000108"
    assert uk.ethnicity_snomed(patient({"system": uk.SNOMED, "code": "92731000000108"}), listed) == "92731000000108"
    assert uk.ethnicity_snomed(patient({"code": "Z"}), listed) == ""
    assert uk.ethnicity_snomed({}, listed) == ""


def test_home_address_skips_old_and_ended_addresses():
    patient = {
        "address": [
            {"use": "old", "postalCode": "E1 6AN"},
            {"use": "home", "period": {"end": "2020-01-01"}, "postalCode": "N1 9GU"},
            {"use": "temp", "postalCode": "SW1A 1AA"},
        ]
    }
    assert uk.postcode(uk.home_address(patient)) == "SW1A 1AA"


def test_admission_method_codes():
    def extension(code):
        return {"extension": [{"url": uk.ADMISSION_METHOD_URL, "valueCodeableConcept": {"coding": [{"code": code}]}}]}

    assert [uk.admission_method(extension(code)) for code in ("11", "21", "2a", "31", "81", "99")] == [
        "elective",
        "emergency",
        "emergency",
        "maternity",
        "other",
        None,
    ]
    assert (
        uk.admission_method({"admission": {"admitSource": {"coding": [{"system": uk.ADMIT_SOURCE, "code": "emd"}]}}})
        == "emergency"
    )
