"""The dashboard and the province ranking read closed months from the evaluation summary: their
figures are those of grouping the live assessments, closed and open months alike."""
import functools
from datetime import date

import pytest

from app import clock
from app.evaluation import queries as evaluation_queries
from app.evaluation import services as evaluation_services
from app.extensions import db
from app.reports import queries
from tests.evaluation.conftest import fetch, scores_form, split
from tests.reports.test_reports import _populate


def _figures(found):
    return {key: (f.assessments, f.scored, f.tenths, f.overdue, dict(f.levels), f.positive, f.ratings,
                  f.violations) for key, f in found.items()}


def _ranking(span, kind=""):
    return [(r.unit.code, r.index, r.rank, r.previous_rank, r.band and r.band.code,
             _figures({0: r.figures})[0]) for r in queries.province_ranking(span, kind).rows]


def _everything(span, unit, targets):
    """The province's and the unit's figures, both rankings and the dashboard's months."""
    return (_figures(queries.figures_by_unit(span, None, targets)),
            _figures(queries.figures_by_unit(span, unit.path, targets, direct_of=unit.id)),
            _ranking(span), _ranking(span, "division"),
            [(m.period, _figures({0: m.figures})[0]) for m in queries.dashboard(unit, span).months])


@pytest.fixture()
def live_reads(monkeypatch):
    """The reports as they were: every month grouped from the live assessments."""
    def patch():
        monkeypatch.setattr(evaluation_queries, "levels_by_unit",
                            functools.partial(evaluation_queries.levels_by_unit, live=True))
        monkeypatch.setattr(evaluation_queries, "levels_by_month",
                            functools.partial(evaluation_queries.levels_by_month, live=True))
    return patch


def test_figures_and_ranking_are_the_live_ones(app, client, auth, world, live_reads):
    _populate(app, world)  # 2025-01..06 imported (closed); 2026-03 open
    heads = list(world.units.values())
    with app.app_context():
        clock.freeze(date(2026, 4, 20))  # 2026-03's review deadline has passed: its drafts are overdue
        spans = [queries.parse_span(code) for code in ("2025", "2025-03", "2025-07", "2026", "2026-03")]
        a = db.session.get(queries.Unit, world.units["A"])
        before = {span.code: _everything(span, a, heads) for span in spans}
        assert before["2025-03"][2][0][2] == 1  # ranked from the summary
        for span in spans:
            assert _figures(queries.figures_by_unit(span, None, heads)) == _figures(
                queries.figures_by_unit(span, None, heads, live=True))
        live_reads()
        for span in spans:
            assert before[span.code] == _everything(span, a, heads), span.code


def test_a_month_closed_after_reviews_reads_the_same(app, client, auth, world, live_reads):
    from tests import factories
    with app.app_context():
        head = factories.create_user([("unit_head", "A1"), ("staff", "A1")], staff_code="H1",
                                     username="head_a1").id
    auth.login_user(head)
    s1 = fetch(app, "S1", "2026-03")
    client.post(f"/evaluation/assessments/{s1.id}/review",
                data=scores_form(split("91.5", s1.criteria), s1.version))
    with app.app_context():
        evaluation_services.close_period("2026-03")
        db.session.commit()
        span = queries.parse_span("2026-03")
        ids = list(world.units.values())
        summarised = _figures(queries.figures_by_unit(span, None, ids))
        assert summarised[world.units["A"]][:4] == (2, 1, 915, 1)
        ranking = _ranking(span)
        live_reads()
        assert summarised == _figures(queries.figures_by_unit(span, None, ids)) and ranking == _ranking(span)
