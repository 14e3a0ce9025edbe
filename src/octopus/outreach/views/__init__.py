"""Outreach pages, one module per page family. A CHWW's pages show their own active allocations
only (anything else is a 404, so a CHWW cannot learn whose round a household is on) and reach
residents through ``governance.access`` with the outreach scope, so they get the outreach fields
and nothing more. The planner's pages show households (addresses), never residents. Every page
showing identifiable data is audited once per resident shown; changes are audited by the services."""
