"""Meeting pages, one module per page family. Series and care-home pages are open to anyone who
attends meetings; worklists, agendas and minutes only to the series' members who have confirmed
its confidentiality agreement; a resident's record summary and thread only through
``governance.access``. Every page showing identifiable data is audited once; changes are audited
by the services that make them."""
