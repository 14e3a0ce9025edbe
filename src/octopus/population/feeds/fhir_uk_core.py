"""What UK systems put in FHIR R4 that the feeds need: ethnicity, address, practice, admissions.

Plain functions over the JSON of one resource (dicts, as `fhir_sources` reads them).

References:
- UK Core R4 (fhir.hl7.org.uk, simplifier.net/hl7fhirukcorer4): Extension-UKCore-EthnicCategory
  (NHS Data Dictionary ETHNIC CATEGORY), Extension-UKCore-AdmissionMethod (ADMISSION METHOD).
- HL7 terminology: v3-ActPriority (EM emergency), admit-source (emd: from accident/emergency
  department), v3-ActCode encounter classes.
- NHS Data Dictionary ETHNIC CATEGORY (2001 census categories A-S, Z not stated) and ADMISSION
  METHOD (11-13 elective, 21-2D emergency, 31-32 maternity, 81-83 other).
"""

from __future__ import annotations

import re

from octopus.population.feeds.codes import is_valid_postcode, normalise_postcode

SNOMED = "http://snomed.info/sct"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
ETHNIC_CATEGORY_URL = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
ADMISSION_METHOD_URL = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod"
ACT_PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority"
ADMIT_SOURCE = "http://terminology.hl7.org/CodeSystem/admit-source"

# ETHNIC CATEGORY (2001 census letters) -> the SNOMED CT "ethnic category 2001 census" concept of
# the same name in the shipped code list (codelists/ethnicity_snomed_opensafely.csv, whose 16
# groups are these categories in this order). Z "not stated" has no concept in that list, so it
# is left empty (tests/unit/feeds/test_fhir_uk_core.py checks every target is in the list).
ETHNIC_CATEGORY_TO_SNOMED = {
    "A": "92391000000108",  # British or mixed British
    "B": "92401000000106",  # Irish
    "C": "92411000000108",  # Other White background
    "D": "92421000000102",  # White and Black Caribbean
    "E": "92431000000100",  # White and Black African
    "F": "92441000000109",  # White and Asian
    "G": "92451000000107",  # Other Mixed background
    "H": "110751000000108",  # Indian or British Indian
    "J": "92461000000105",  # Pakistani or British Pakistani
    "K": "92471000000103",  # Bangladeshi or British Bangladeshi
    "L": "92481000000101",  # Other Asian background
    "M": "107691000000105",  # Caribbean
    "N": "92491000000104",  # African
    "P": "92501000000105",  # Other Black background
    "R": "92511000000107",  # Chinese
    "S": "94151000000105",  # Any other group
}
# ADMISSION METHOD groups of the apc_spells contract (contracts/apc_spells.yaml).
ADMISSION_METHODS = {
    **{code: "elective" for code in ("11", "12", "13")},
    **{code: "emergency" for code in ("21", "22", "23", "24", "25", "28", "2A", "2B", "2C", "2D")},
    **{code: "maternity" for code in ("31", "32")},
    **{code: "other" for code in ("81", "82", "83")},
}
# UK Core has no LSOA element: local profiles carry it in an extension whose URL names it.
LSOA = re.compile(r"E01[0-9]{6}")


def codings(concept) -> list[dict]:
    return [c for c in (concept or {}).get("coding") or [] if isinstance(c, dict)] if isinstance(concept, dict) else []


def extension(resource: dict, url: str) -> dict | None:
    return next((e for e in resource.get("extension") or [] if isinstance(e, dict) and e.get("url") == url), None)


def ethnicity_snomed(patient: dict, listed: frozenset[str]) -> str:
    """The ethnicity as a code-listed SNOMED CT concept, from UK Core's extension ("" if none)."""
    found = extension(patient, ETHNIC_CATEGORY_URL)
    for coding in codings((found or {}).get("valueCodeableConcept")):
        code = str(coding.get("code") or "")
        if coding.get("system") == SNOMED and code in listed:
            return code
        if code in ETHNIC_CATEGORY_TO_SNOMED:
            return ETHNIC_CATEGORY_TO_SNOMED[code]
    return ""


def home_address(patient: dict) -> dict | None:
    """The current home address: not `old`, not ended; a home one first, else the first."""
    addresses = [
        a
        for a in patient.get("address") or []
        if isinstance(a, dict) and a.get("use") != "old" and not (a.get("period") or {}).get("end")
    ]
    return next((a for a in addresses if a.get("use") == "home"), addresses[0] if addresses else None)


def postcode(address: dict | None) -> str | None:
    value = (address or {}).get("postalCode")
    if not isinstance(value, str) or not is_valid_postcode(value.strip().upper()):
        return None
    return normalise_postcode(value.strip().upper())


def lsoa(patient: dict, address: dict | None) -> str:
    """A 2021 LSOA code from an extension (on the address or the Patient) whose URL says LSOA."""
    for holder in (address or {}, patient):
        for ext in holder.get("extension") or []:
            if not isinstance(ext, dict) or "lsoa" not in str(ext.get("url", "")).lower():
                continue
            values = [ext.get("valueCode"), ext.get("valueString"), (ext.get("valueIdentifier") or {}).get("value")]
            values += [c.get("code") for c in codings(ext.get("valueCodeableConcept"))]
            for value in values:
                if isinstance(value, str) and LSOA.fullmatch(value.strip()):
                    return value.strip()
    return ""


def ods_code(reference: dict, organisations: dict[str, str]) -> str | None:
    """An organisation's ODS code: an inline identifier, or the Organization referred to."""
    if not isinstance(reference, dict):
        return None
    identifier = reference.get("identifier") or {}
    if identifier.get("system") == ODS_SYSTEM and identifier.get("value"):
        return str(identifier["value"]).strip().upper()
    target = reference.get("reference")
    if isinstance(target, str):
        return organisations.get(target) or organisations.get(_tail(target, "Organization"))
    return None


def _tail(reference: str, kind: str) -> str:
    marker = f"{kind}/"
    at = reference.rfind(marker)
    return reference[at:].split("/_history")[0] if at >= 0 else reference


def organisation_ods(organisation: dict) -> str | None:
    return next(
        (
            str(i["value"]).strip().upper()
            for i in organisation.get("identifier") or []
            if isinstance(i, dict) and i.get("system") == ODS_SYSTEM and i.get("value")
        ),
        None,
    )


def admission_method(encounter: dict) -> str | None:
    """How an inpatient stay began, when the Encounter codes it; None when it does not say."""
    found = extension(encounter, ADMISSION_METHOD_URL)
    for coding in codings((found or {}).get("valueCodeableConcept")):
        method = ADMISSION_METHODS.get(str(coding.get("code") or "").upper())
        if method:
            return method
    for coding in codings(encounter.get("priority")):
        if coding.get("system") == ACT_PRIORITY and coding.get("code") == "EM":
            return "emergency"
    if str((encounter.get("priority") or {}).get("text", "")).strip().lower() == "emergency":
        return "emergency"
    # R4 names it `hospitalization`, R5 `admission`.
    stay = encounter.get("hospitalization") or encounter.get("admission") or {}
    for coding in codings(stay.get("admitSource")):
        if coding.get("system") == ADMIT_SOURCE and coding.get("code") == "emd":
            return "emergency"
    return None
