"""Monthly assessment: policies, criteria frameworks, periods, self-assessment, review, levels."""
