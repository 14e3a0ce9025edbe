"""Walking order, outreach.yaml and the deprivation lookup: pure code, no database."""

import pytest

from octopus.config import ConfigError
from octopus.outreach import areas, config
from octopus.outreach.walking import Stop, street_key, walking_order


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("12 Church Street", ("church street", 12, "", 0)),
        ("12A Church Street", ("church street", 12, "a", 0)),
        ("Flat 3, 40 Church Street", ("church street", 40, "", 3)),
        ("Flat 3, Church Street", ("church street", 0, "", 3)),
        ("Room 4, Bell Street Estate", ("bell street estate", 0, "", 4)),
        ("Garside", ("garside", 0, "", 0)),
    ],
)
def test_street_key_reads_street_number_and_flat(line, expected):
    assert street_key(line)[:4] == expected


def test_walking_order_without_coordinates_is_street_then_number():
    stops = [
        Stop(n, line)
        for n, line in enumerate(["9 Church Street", "2 Bell Street", "10 Church Street", "Flat 2, 1 Bell Street"])
    ]
    assert [s.address_line for s in walking_order(stops)] == [
        "Flat 2, 1 Bell Street",
        "2 Bell Street",
        "9 Church Street",
        "10 Church Street",
    ]


def test_walking_order_with_coordinates_goes_to_the_nearest_next():
    # Along a line of latitude: street order would zig-zag; nearest neighbour walks straight.
    stops = [
        Stop("a", "1 A Street", latitude=51.5, longitude=-0.170),
        Stop("b", "1 B Street", latitude=51.5, longitude=-0.160),
        Stop("c", "1 C Street", latitude=51.5, longitude=-0.168),
        Stop("d", "1 D Street", latitude=51.5, longitude=-0.165),
    ]
    assert [s.key for s in walking_order(stops)] == ["a", "c", "d", "b"]


def test_walking_order_falls_back_to_streets_when_a_coordinate_is_missing():
    stops = [
        Stop("b", "2 A Street", latitude=51.5, longitude=-0.1),
        Stop("a", "1 A Street"),
        Stop("c", "3 A Street", latitude=51.6, longitude=-0.1),
    ]
    assert [s.key for s in walking_order(stops)] == ["a", "b", "c"]


def test_shipped_outreach_yaml_is_valid():
    settings = config.settings()
    assert settings.visits_per_day == 9
    assert settings.doorstep_prompts["bowel_screening"] == "Bowel screening due"
    assert settings.prompt_min_ages == {"flu_vaccination": 65}


def test_doorstep_prompts_are_prevention_programmes_and_never_reveal_a_condition():
    from octopus.population.features.prevention import programmes

    names = {p.name for p in programmes()}
    prompts = set(config.settings().doorstep_prompts)
    assert prompts <= names
    assert not prompts & {"diabetes_care_processes", "nhs_health_check"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("visits_per_day: 0", r"outreach.yaml:1: visits_per_day: Input should be greater than or equal to 1, got 0"),
        ("visits_per_day: 9\ndoorstep_prompts: [a]", r"outreach.yaml:2: doorstep_prompts: doorstep_prompts must map"),
        (
            "visits_per_day: 9\ndoorstep_prompts: {Bowel Screening: x}",
            r"doorstep_prompts.Bowel Screening: .*should match pattern",
        ),
        (
            "visits_per_day: 9\ndoorstep_prompts: {bowel_screening: ''}",
            r"doorstep_prompts.bowel_screening.*at least 1 character",
        ),
        (
            "visits_per_day: 9\ndoorstep_prompts: {flu_vaccination: {label: Flu, min_age: old}}",
            r"outreach.yaml:2: doorstep_prompts.flu_vaccination.min_age: Input should be a valid integer",
        ),
    ],
)
def test_malformed_outreach_yaml_names_the_key(text, message):
    with pytest.raises(ConfigError, match=message):
        config.parse(text, "outreach.yaml")


def test_church_street_is_among_the_most_deprived_areas():
    church = areas.lsoas_matching("Church Street")
    assert "E01004670" in church
    found = areas.area("E01004670")
    assert found.imd_decile == 1 and found.ward_name == "Church Street"
    assert areas.deprivation_rank("E01004670") < areas.deprivation_rank("E01000001") < areas.deprivation_rank("nowhere")
