"""Care coordination pages, one module per page family. Residents come only from
``governance.access``; each page showing identifiable data is audited once ("view"), and each
change by the service that makes it."""
