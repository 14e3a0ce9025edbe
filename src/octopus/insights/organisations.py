"""Names for the organisation codes the partner feeds carry (sender and provider codes).

A timeline row reads "Imperial College Healthcare NHS Trust", not "RYJ". Names come, in order,
from the directory (organisations the INT has entered), the London GP practice list shipped in
``octopus.reference`` (NHS Digital's epraccur, Open Government Licence), and the London NHS trusts
below. An unknown code is shown as the code itself, so nothing is ever invented.
"""

from functools import lru_cache

from octopus import reference
from octopus.core.formatting import place_name

# ODS codes of London NHS trusts that appear in the feeds (ODS organisation search).
LONDON_TRUSTS = {
    "R1H": "Barts Health NHS Trust",
    "R1K": "London North West University Healthcare NHS Trust",
    "RAL": "Royal Free London NHS Foundation Trust",
    "RAP": "North Middlesex University Hospital NHS Trust",
    "RAS": "The Hillingdon Hospitals NHS Foundation Trust",
    "RAX": "Kingston and Richmond NHS Foundation Trust",
    "RF4": "Barking, Havering and Redbridge University Hospitals NHS Trust",
    "RJ1": "Guy's and St Thomas' NHS Foundation Trust",
    "RJ2": "Lewisham and Greenwich NHS Trust",
    "RJ6": "Croydon Health Services NHS Trust",
    "RJ7": "St George's University Hospitals NHS Foundation Trust",
    "RJZ": "King's College Hospital NHS Foundation Trust",
    "RKE": "Whittington Health NHS Trust",
    "RKL": "West London NHS Trust",
    "RQM": "Chelsea and Westminster Hospital NHS Foundation Trust",
    "RQX": "Homerton Healthcare NHS Foundation Trust",
    "RQY": "South West London and St George's Mental Health NHS Trust",
    "RRP": "Barnet, Enfield and Haringey Mental Health NHS Trust",
    "RRU": "London Ambulance Service NHS Trust",
    "RRV": "University College London Hospitals NHS Foundation Trust",
    "RV3": "Central and North West London NHS Foundation Trust",
    "RV5": "South London and Maudsley NHS Foundation Trust",
    "RVR": "Epsom and St Helier University Hospitals NHS Trust",
    "RWK": "East London NHS Foundation Trust",
    "RY9": "Hounslow and Richmond Community Healthcare NHS Trust",
    "RYJ": "Imperial College Healthcare NHS Trust",
    "RYX": "Central London Community Healthcare NHS Trust",
}


@lru_cache(maxsize=1)
def _practices() -> dict[str, str]:
    # The list ships with the package: missing, it is a broken install, not an empty list. Looked
    # for where the generator kept it before ``octopus.reference``, it was silently empty, so a
    # timeline showed practice codes until the directory was seeded, and the next publish then
    # rewrote every event from a practice (5.8M rows, 14 minutes at 1M residents).
    table = reference.practices()
    return {code: place_name(name) for code, name in zip(table["practice_code"], table["practice_name"], strict=True)}


def organisation_names() -> dict[str, str]:
    """ODS code → name: the directory wins over the shipped lists."""
    from octopus.directory.models import GPPractice, Organisation

    names = {**_practices(), **LONDON_TRUSTS}
    names.update({code: place_name(name) for code, name in GPPractice.objects.values_list("ods_code", "name")})
    names.update(
        {code: name for code, name in Organisation.objects.exclude(ods_code="").values_list("ods_code", "name")}
    )
    return names
