import datetime as dt

from ninja import Schema


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


class ResidentSummary(Schema):
    person_id: str
    name: str
    nhs_number: str
    date_of_birth: dt.date | None
    postcode: str
    risk_band: str
    segment: str


class ResidentDetail(ResidentSummary):
    sex: str
    practice_ods_code: str
    lsoa_code: str
    imd_decile: int | None
    main_language: str
    interpreter_needed: bool
    risk_probability: float | None
    risk_centile: float | None
    risk_factors: list
    long_term_conditions: list
    frailty_category: str
    rising_risk: bool
    date_of_death: dt.date | None
    access_basis: str


class Problem(Schema):
    detail: str
