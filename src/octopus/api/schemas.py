import datetime as dt

from ninja import Field, Schema


class Me(Schema):
    username: str
    name: str
    roles: list[str]
    capabilities: list[str]


class OrganisationOut(Schema):
    id: int
    name: str
    heart: str
    ods_code: str
    charity_number: str


class TeamOut(Schema):
    id: int
    name: str
    organisation: str
    tier: str
    hours: str
    contact_route: str
    phone: str
    email: str


class PractitionerOut(Schema):
    id: int
    name: str
    job_title: str
    team_id: int
    team: str
    organisation: str
    phone: str
    email: str
    availability: str


# Resident fields are optional because the access scope decides which a response carries
# (octopus.residents.fields; docs/information-governance.md): a withheld field is absent, and
# ``withheld`` names it, so a reader can tell "withheld" from "not recorded" (null).
SCOPE_DESCRIPTION = "How much of the record your access opens: full, no_clinical or outreach."
WITHHELD_DESCRIPTION = "Fields of this schema your access scope does not show; they are left out of the response."


class ResidentSummary(Schema):
    person_id: str
    name: str
    scope: str = Field(description=SCOPE_DESCRIPTION)
    withheld: list[str] = Field(description=WITHHELD_DESCRIPTION)
    nhs_number: str | None = None
    date_of_birth: dt.date | None = None
    postcode: str | None = None
    risk_band: str | None = None
    segment: str | None = None


class ResidentDetail(ResidentSummary):
    given_name: str
    family_name: str
    age: int | None = None
    sex: str | None = None
    practice_ods_code: str | None = None
    lsoa_code: str | None = None
    imd_decile: int | None = None
    main_language: str
    interpreter_needed: bool
    risk_probability: float | None = None
    risk_centile: float | None = None
    risk_factors: list | None = None
    long_term_conditions: list | None = None
    frailty_category: str | None = None
    rising_risk: bool | None = None
    rising_risk_reason: str | None = None
    cohorts: list | None = None
    date_of_death: dt.date | None = None
    access_basis: str


class Problem(Schema):
    detail: str
