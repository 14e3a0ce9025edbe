"""The fields a cohort or segment rule may use: every column of ``residents.parquet``.

Kept as a static table so definitions are validated before a run starts; a test checks it
against the residents table the pipeline actually writes.
"""

from __future__ import annotations

from octopus.population.features import COUNT_FEATURES, FLAG_COLUMNS, REPORTING_COUNTS, prevention

_FIELDS: dict[str, str] = {
    "person_id": "str",
    "nhs_number": "str",
    "age": "int",
    "age_band": "str",
    "sex": "str",
    "ethnicity_group": "str",
    "lsoa_code": "str",
    "imd_decile": "int",
    "imd_quintile": "int",
    "practice_ods_code": "str",
    "registered": "bool",
    "hfrs": "float",
    "efi": "float",
    "efi_category": "str",
    "hfrs_category": "str",
    "prior_cost": "float",
    "hospital_cost": "float",
    "days_since_last_emergency_admission": "int",
    "care_home": "bool",
    "housebound": "bool",
    "homeless": "bool",
    "risk_probability": "float",
    "risk_centile": "int",
    "risk_band": "int",
    "risk_band_label": "str",
    "top_factors": "str",
    "segment": "str",
    "cancer_overlay": "bool",
    "previous_risk_centile": "int",
    "rising_risk": "bool",
    "rising_risk_reason": "str",
    "case_managed": "bool",
    "emergency_admissions_since_previous": "int",
    "ae_attendances_since_previous": "int",
    "ambulance_calls_since_previous": "int",
    "practice_borough": "str",
    "registered_out_of_area": "bool",
    "analytics_excluded": "bool",
    "objection": "str",
}
_FIELDS.update({name: "int" for name in (*COUNT_FEATURES, *REPORTING_COUNTS)})
_FIELDS.update({name: "str" for name in prevention.status_columns()})
_FIELDS.update({"prevention_gaps": "str", "prevention_gap_count": "int"})
_FIELDS.update({f"{p.name}_done": "int" for p in prevention.programmes() if p.kind == "processes"})
_FIELDS.update({name: "bool" for name in FLAG_COLUMNS if name != "care_home_package"})
for _internal in (
    "care_home_stay",
    "care_home_package",
    "current_mental_health_inpatient",
    "care_home_coded",
    "housebound_coded",
):
    _FIELDS.pop(_internal, None)
RESIDENT_FIELDS = dict(sorted(_FIELDS.items()))


def python_type_ok(kind: str, value) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, str)
