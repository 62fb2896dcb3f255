"""Conduct (văn hóa công vụ): the rule catalogue, checklists, inspections and conduct reports
reviewed by the inspection team; confirmed findings feed the C2 suggestion."""
