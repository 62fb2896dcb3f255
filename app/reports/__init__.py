"""Reports: the one package that reads across features — the staff profile and the "my …"
pages that gather several features (and, later, the dashboards and printable sheets).
No feature imports it."""
