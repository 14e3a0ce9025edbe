"""Case-finding: the lists the population engine produces (each cohort, and rising risk), worked
by the teams whose residents they are — found, acted on in bulk, reviewed (decision 0022)."""
