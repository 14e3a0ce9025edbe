"""Social prescribing: a link worker's caseload, what matters to the resident, their goals,
introductions to VCSE services and wellbeing measured at the start and at review (issue #20;
decision 0044)."""
