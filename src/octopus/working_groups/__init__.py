"""Working groups: partners from several organisations on one system problem (homelessness,
suicide prevention, digital exclusion, employment), their aims, actions in members' inboxes, the
cohort they watch and an escalation log (issue #20; decision 0045)."""
