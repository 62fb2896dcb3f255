"""The tables of the dashboards and the province view, as the downloads write them (the pages
show the same rows)."""
from flask_babel import get_locale
from flask_babel import gettext as _

from app.exports import Table
from app.reports.queries import Dashboard, Figures, Ranking


def movement_text(movement: int | None) -> str:
    """▲3 / ▼2 / 0 / — (new): the arrow and the number, never colour alone."""
    if movement is None:
        return "—"
    if movement > 0:
        return f"▲{movement}"
    if movement < 0:
        return f"▼{-movement}"
    return "0"


def dashboard_tables(board: Dashboard) -> dict[str, Table]:
    """months: levels, mean, satisfaction and overdue reviews per month; rules: confirmed
    violations by rule; rule_months: the same per month and rule; units: the same figures per
    child unit."""
    unit, span = board.unit, board.span
    months = Table(
        _("Theo tháng"),
        [_("Tháng"), *(_("Số mức %(level)s", level=level) for level in board.levels),
         _("Số đã xếp loại"), _("Điểm trung bình"), _("Chỉ số hài lòng (%)"), _("Số lượt đánh giá"),
         _("Đánh giá quá hạn")],
        [[m.period, *(m.figures.levels[level] for level in board.levels), m.figures.scored,
          m.figures.mean, m.figures.satisfaction, m.figures.ratings, m.figures.overdue]
         for m in board.months],
        filename=_("Bảng theo tháng %(unit)s %(span)s", unit=unit.name, span=span.code))
    english = str(get_locale() or "vi") == "en"
    rules = Table(
        _("Vi phạm theo quy tắc"), [_("Mã quy tắc"), _("Quy tắc"), _("Số vi phạm đã xác nhận")],
        [[rule.code, rule.text_en if english and rule.text_en else rule.text_vi, rule.count]
         for rule in board.violations.by_rule],
        filename=_("Vi phạm theo quy tắc %(unit)s %(span)s", unit=unit.name, span=span.code))
    codes = [rule.code for rule in board.violations.by_rule]
    rule_months = Table(
        _("Vi phạm theo tháng và quy tắc"), [_("Tháng"), *codes, _("Tổng")],
        [[month, *(counts[code] for code in codes), sum(counts.values())]
         for month, counts in board.violations.months],
        filename=_("Vi phạm theo tháng %(unit)s %(span)s", unit=unit.name, span=span.code))
    unit_rows = [[child.code, child.name, *_unit_figures(board, figures)]
                 for child, figures in board.children]
    if board.direct.assessments or board.direct.violations or board.direct.ratings:
        unit_rows.append([unit.code, _("%(unit)s (trực tiếp)", unit=unit.name),
                          *_unit_figures(board, board.direct)])
    units = Table(
        _("Theo đơn vị"),
        [_("Mã đơn vị"), _("Đơn vị"), _("Số đã xếp loại"), _("Điểm trung bình"),
         *(_("Tỷ lệ %(level)s (%%)", level=level) for level in board.levels[:1]),
         _("Chỉ số hài lòng (%)"), _("Vi phạm đã xác nhận"), _("Đánh giá quá hạn")],
        unit_rows, filename=_("Bảng theo đơn vị %(unit)s %(span)s", unit=unit.name, span=span.code))
    return {"months": months, "rules": rules, "rule_months": rule_months, "units": units}


def _unit_figures(board: Dashboard, figures: Figures) -> list[object]:
    return [figures.scored, figures.mean, figures.share(board.levels[0]), figures.satisfaction,
            figures.violations, figures.overdue]


def province_table(ranking: Ranking) -> Table:
    """The ranking of units with every component, the index, its band and the movement."""
    return Table(
        _("Xếp hạng đơn vị"),
        [_("Hạng"), _("Mã đơn vị"), _("Đơn vị"), _("Điểm trung bình"),
         _("Tỷ lệ %(level)s (%%)", level=ranking.top_level), _("Chỉ số hài lòng (%)"),
         _("Vi phạm đã xác nhận"), _("Chỉ số tổng hợp"), _("Xếp nhóm"), _("Hạng kỳ trước"),
         _("Thay đổi")],
        [[row.rank, row.unit.code, row.unit.name, row.figures.mean,
          row.figures.share(ranking.top_level), row.figures.satisfaction, row.figures.violations,
          row.index, row.band.label if row.band else "", row.previous_rank,
          movement_text(row.movement)]
         for row in ranking.rows],
        filename=_("Xếp hạng đơn vị %(span)s", span=ranking.span.code))

