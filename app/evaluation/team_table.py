"""The team page's rows written out as HTML here rather than by Jinja: the longest list of the
everyday pages (25 rows of seven cells), where Jinja's work per cell (an attribute lookup, a test
and an escape per value, a generator step per piece of text) was a fifth of the page's time. The
markup is the one the template wrote (tests/evaluation/test_team_table.py renders both and
compares them, both languages, every kind of row)."""
from functools import lru_cache
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.evaluation.models import ASSESSMENT_STATUSES
from app.evaluation.services import reviewable


@lru_cache(maxsize=8)
def _words(locale: str) -> dict[str, Any]:
    """The row's words in one language, translated once per language and process (the
    catalogues are the files installed with the application): the catalogue's words as Jinja's
    folded `_()` writes them (trusted), the status words escaped as the template escaped them."""
    return {
        "head": f' <span class="tag">{_("Cấp trưởng")}</span>',
        "reopened": f' <span class="tag">{_("Đã mở lại")}</span>',
        "review": _("Đánh giá"),
        "view": _("Xem"),
        "status": {status: f'{status}">{escape(str(label))}'
                   for status, label in ASSESSMENT_STATUSES.items()},
    }


@lru_cache(maxsize=16)
def _level(level: str | None) -> str:
    """A level's badge (a handful of levels), "—" for none."""
    return f'<span class="level level-{escape(level.lower())}">{escape(level)}</span>' if level else "—"


def _number(value: Any) -> str:
    if value is None:
        return "—"
    return str(value) if type(value) is int else escape(value)


def _status(words: dict[str, str], status: str) -> str:
    """`{status}">{its word}`: the status's class and word."""
    found = words.get(status)
    return found if found is not None else f'{escape(status)}">{escape(status)}'


def rows_html(rows: list[Any], review_link: str, view_link: str) -> Markup:
    """The table body's rows (TeamRow) in the request's language: each links to its scoring while
    it is reviewable, else to its page (`review_link` and `view_link`: addresses with `{}` for the
    id); "" when there is none (the template shows its "no assessment" line)."""
    words = _words(str(get_locale()))
    statuses, head, reopened = words["status"], words["head"], words["reopened"]
    review, view = words["review"], words["view"]
    review_link, view_link = str(escape(review_link)), str(escape(view_link))
    html = []
    for row in rows:
        to_review = reviewable(row)
        html.append(
            f'  <tr>\n    <td>{escape(row.full_name)}{head if row.is_head else ""}</td>\n'
            f'    <td>{escape(row.unit_name)}</td>\n'
            f'    <td><span class="status status-{_status(statuses, row.status)}</span>'
            f'{reopened if row.reopened else ""}</td>\n'
            f'    <td class="num">{_number(row.self_total)}</td>\n'
            f'    <td class="num">{_number(row.score)}</td>\n'
            f'    <td>{_level(row.level)}</td>\n'
            f'    <td><a href="{(review_link if to_review else view_link).format(row.id)}">'
            f'{review if to_review else view}</a></td>\n  </tr>\n')
    # Every value from the database escaped above; the words are the catalogue's, the links
    # url_for's (escaped): safe to mark as markup.
    return Markup("".join(html))  # nosec B704
