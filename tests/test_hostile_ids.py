"""Ids and page numbers a stranger types: out of range → 404 before any query, never a 500
(SPEC §10). Every registered route with an id in its path is tried."""
import pytest

from tests.test_permission_matrix import registered_routes

HUGE = 2**63 + 1


SENTINEL = 987654321
OTHER_ARGUMENTS = {"year": 2025, "code": "2026-03", "period": "2026-03", "fmt": "csv", "token": "x",
                   "name": "mail", "ref": "R1", "staff_code": "S1", "filename": "x.css",
                   "table": "units"}


def _with_huge_ids(app):
    """(endpoint, method, url) of every route with an id in its path, the id beyond any column."""
    calls = []
    with app.test_request_context():
        from flask import url_for

        for rule, method in registered_routes(app):
            ids = [name for name, converter in rule._converters.items()
                   if converter.__class__.__name__ == "IdConverter"]
            if not ids:
                continue
            values = {name: SENTINEL if name in ids else OTHER_ARGUMENTS[name] for name in rule.arguments}
            url = url_for(rule.endpoint, **values).replace(str(SENTINEL), str(HUGE))
            calls.append((rule.endpoint, method, url))
    return calls


def test_every_id_route_answers_404_to_an_id_beyond_the_column(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    calls = _with_huge_ids(app)
    assert len(calls) > 40
    wrong = []
    for endpoint, method, url in calls:
        response = client.open(url, method=method, data={})
        if response.status_code != 404:
            wrong.append(f"{method} {url} ({endpoint}): {response.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("url", ["/org/staff", "/org/units", "/evaluation/periods", "/admin/users",
                                 "/admin/audit", "/admin/jobs/", "/notifications/", "/reviews/",
                                 "/conduct/inspections", "/feedback/complaints"])
def test_a_page_number_beyond_any_list_is_404_and_a_malformed_one_the_first_page(
        client, auth, world, url):
    auth.login_user(world.users["sys_admin"])
    assert client.get(f"{url}?page={10**20}").status_code == 404
    assert client.get(f"{url}?page=abc").status_code == 200
