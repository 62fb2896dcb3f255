"""The English UI has no Vietnamese except data: every page a persona can open (the permission
matrix's world: an inspection, a report, a complaint, a task, a review case…) is rendered in
English, every string the database holds is taken out, and no Vietnamese letter may remain."""
import html
import re

import pytest
from sqlalchemy import String, Text, select

from app.extensions import db
from tests.test_permission_matrix import (
    EXPECTED,
    PERSONAS,
    _url_values,
    matrix_world,  # noqa: F401  (the fixture)
    registered_routes,
)

# The language switch names Vietnamese in Vietnamese on purpose;
ALLOWED = ("Tiếng Việt", "Công vụ")  # and the product keeps its name
TAG = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)
ATTRIBUTE = re.compile(r'(?:title|aria-label|placeholder|alt|value)="([^"]*)"')


def _data_strings():
    """Every text value stored in the database (names, rules, notes people typed…)."""
    values = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                if value and not value.isascii():
                    values.update((value, value.upper()))  # printed sheets write unit names in capitals
                    values.update(part.strip() for part in re.split(r"[\n;]", value) if part.strip())
    return sorted(values, key=len, reverse=True)


def _vietnamese_left(page, data):
    text = html.unescape(" ".join([TAG.sub(" ", page), *ATTRIBUTE.findall(page)]))
    for value in (*data, *ALLOWED):
        text = text.replace(value, " ")
    return sorted({word for word in re.findall(r"\S+", text)
                   if any(ch.isalpha() and not ch.isascii() for ch in word)})


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "unit_head_out"])
def test_every_page_in_english_has_no_vietnamese_outside_data(
        app, client, auth, matrix_world, persona):  # noqa: F811
    world = matrix_world
    if persona != "anonymous":
        auth.login_user(world.users[persona])
    client.post("/language", data={"lang": "en"})
    with app.test_request_context():
        from flask import url_for

        urls = [(rule.endpoint, url_for(rule.endpoint, **_url_values(rule, world)))
                for rule, method in registered_routes(app)
                if method == "GET" and EXPECTED[(rule.endpoint, method)][persona] == "ok"]
    with app.app_context():
        data = _data_strings()
    found = {}
    for endpoint, url in urls:
        response = client.get(url)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        left = _vietnamese_left(response.text, data)
        if left:
            found[f"{endpoint} {url}"] = left
    assert not found, found


def test_sentences_the_system_stored_are_shown_in_the_readers_language(app, client):
    from app.templating import system_text

    stored = ("3 người của đơn vị bị xếp mức thấp nhất trong tháng. "
              "Mới có 4/5 người được đánh giá; gợi ý có thể thay đổi.")
    with app.test_request_context("/"):
        from flask import session
        from flask_babel import refresh

        session["lang"] = "en"
        refresh()
        assert system_text("Mở tự động: 2 năm liên tiếp ở mức thấp nhất.") == \
            "Opened automatically: 2 consecutive years at the lowest level."
        assert system_text("Vắng mặt không lý do khi kiểm tra.") == \
            "Absent without leave during the inspection."
        assert system_text(stored).startswith("3 staff of the unit were rated at the lowest level")
        assert system_text("Tôi để quên thẻ ở nhà.") == "Tôi để quên thẻ ở nhà."  # typed: as is
        session["lang"] = "vi"
        refresh()
        assert system_text("Absent without leave during the inspection.") == \
            "Vắng mặt không lý do khi kiểm tra."
        assert system_text(stored) == stored
