"""Organisation: units, staff, transfers, disciplinary decisions, leave, imports."""
