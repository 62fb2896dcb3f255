"""The team page's rows are written out in Python (app/evaluation/team_table.py): the same markup
as the Jinja loop the page had, in both languages and for every kind of row; its links are built
once per application root and are url_for's."""
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask import url_for
from flask_babel import force_locale

from app.evaluation import team_table, views
from app.evaluation.models import ASSESSMENT_STATUSES
from app.evaluation.queries import TeamRow

# The page's loop before the rows were written out in Python (evaluation/team.html).
JINJA_ROWS = """\
  {% for a, to_review, href in rows %}
  <tr>
    <td>{{ a.full_name }}{% if a.is_head %} <span class="tag">{{ _("Cấp trưởng") }}</span>{% endif %}</td>
    <td>{{ a.unit_name }}</td>
    <td><span class="status status-{{ a.status }}">{{ status_words[a.status] or a.status }}</span>{% if a.reopened %} <span class="tag">{{ _("Đã mở lại") }}</span>{% endif %}</td>
    <td class="num">{{ a.self_total if a.self_total is not none else "—" }}</td>
    <td class="num">{{ a.score if a.score is not none else "—" }}</td>
    <td>{% if a.level %}<span class="level level-{{ a.level|lower }}">{{ a.level }}</span>{% else %}—{% endif %}</td>
    <td><a href="{{ href }}">{% if to_review %}{{ _("Đánh giá") }}{% else %}{{ _("Xem") }}{% endif %}</a></td>
  </tr>
  {% endfor %}
"""  # noqa: E501 (the template's lines as they were)


def _rows():
    """Every status in an open and a closed month; heads, reopened, imported; levels and scores
    or none; names and units that need escaping."""
    rows, number = [], 0
    for month in ("open", "closed"):
        period = SimpleNamespace(status=month)
        for status in (*ASSESSMENT_STATUSES, "unknown<status>"):
            for level, score in ((None, None), ("A", Decimal("95.5")), ("D", Decimal("40.0"))):
                number += 1
                rows.append(TeamRow(period, number, status, Decimal("87.0") if score else None, score,
                                    level, number % 5 == 0, number % 3 == 0, number % 2 == 0,
                                    f"Nguyễn <b>Văn</b> & \"A{number}'", None if number == 7 else
                                    "Phòng <Nội vụ> & Tư pháp"))
    return rows


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_rows_are_the_markup_the_jinja_loop_wrote(app, lang):
    with app.test_request_context("/evaluation/team"), force_locale(lang):
        review, view = views._id_link("evaluation.review"), views._id_link("evaluation.assessment_detail")
        rows = _rows()
        written = team_table.rows_html(rows, review, view)
        from app.evaluation.services import reviewable

        words = {status: str(label) for status, label in ASSESSMENT_STATUSES.items()}
        expected = app.jinja_env.from_string(JINJA_ROWS).render(
            rows=[(row, reviewable(row), (review if reviewable(row) else view).format(row.id))
                  for row in rows],
            status_words=words)
    assert str(written) == expected
    assert ("Cấp trưởng" if lang == "vi" else "Head") in written
    assert "Nguyễn &lt;b&gt;Văn&lt;/b&gt; &amp; &#34;A1&#39;" in written
    assert '/review">' in written and '/evaluation/assessments/36">' in written


def test_no_rows_write_nothing_and_the_page_says_so(app, client, auth, world, head_a1):
    with app.test_request_context("/evaluation/team"):
        assert team_table.rows_html([], "/a/{}", "/b/{}") == ""
    auth.login_user(head_a1)
    assert "Không có phiếu nào." in client.get("/evaluation/team?status=closed").text


def test_the_links_are_url_fors_for_each_application_root(app):
    for root in ("", "/congvu"):
        with app.test_request_context("/evaluation/team", base_url=f"http://localhost{root}/"):
            assert views._id_link("evaluation.review").format(12) == url_for("evaluation.review",
                                                                              assessment_id=12)
            assert views._id_link("evaluation.assessment_detail").format(7).startswith(
                f"{root}/evaluation/assessments/7")
            links = views._status_links("2026-03")
            for status in views.TEAM_STATUSES[1:]:
                assert links[status] == url_for("evaluation.team", period="2026-03", status=status)
            assert links["draft"].startswith(f"{root}/evaluation/team?")
