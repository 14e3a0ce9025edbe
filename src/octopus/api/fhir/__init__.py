"""A read-only FHIR R4 API over what Octopus holds about a resident (decision 0033)."""
