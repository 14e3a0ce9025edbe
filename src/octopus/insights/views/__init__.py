"""The Population section (journey 9): aggregate, pseudonymised figures from the published
snapshot for analysts and INT managers. No page here shows a name, NHS number or person id, so
none is an identifiable view to audit; every count goes through ``core.disclosure``."""
