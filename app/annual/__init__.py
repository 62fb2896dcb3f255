"""Annual classification: from the closed months to a level per person and year, the A quota,
finalisation, the early warning list, and the import/export of annual results."""
