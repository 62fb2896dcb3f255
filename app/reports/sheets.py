"""Printable sheets — the unit's monthly disclosure list and its annual classification sheet:
one `Sheet` rendered by the print view (templates/reports/sheet.html) and by the PDF writer, so
both show the same content, and one `Table` for the CSV/XLSX downloads."""
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from app import clock
from app.annual import queries as annual_queries
from app.evaluation.models import Period
from app.exports import Table
from app.org.models import Unit
from app.reports import queries

FONTS = Path(__file__).parent / "fonts"
# The national heading of every Vietnamese administrative document (Decree 30/2020/NĐ-CP); it is
# written in Vietnamese whatever the reader's language.


@dataclass
class Sheet:
    """A printable sheet: header, title, a table, notes and signature blocks."""

    superior: str
    unit_name: str
    title: str
    subtitle: str
    day: date
    header: list[str]
    rows: list[list[str]]
    widths: list[int]
    right: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    signatures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def national_title(self) -> str:
        return _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")

    @property
    def national_motto(self) -> str:
        return _("Độc lập - Tự do - Hạnh phúc")

    @property
    def dated(self) -> str:
        return _("Ngày %(day)02d tháng %(month)02d năm %(year)d",
                 day=self.day.day, month=self.day.month, year=self.day.year)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value}"
    return unicodedata.normalize("NFC", str(value))


def _signatures() -> list[tuple[str, str]]:
    return [(_("NGƯỜI LẬP BIỂU"), _("(Ký, ghi rõ họ tên)")),
            (_("THỦ TRƯỞNG ĐƠN VỊ"), _("(Ký, ghi rõ họ tên, đóng dấu)"))]


def _superior(unit: Unit) -> str:
    return (unit.parent.name if unit.parent is not None else "").upper()


def disclosure(unit: Unit, period: Period) -> tuple[Sheet, Table]:
    """The unit's published monthly list (names and levels only, SPEC §3.7)."""
    rows = queries.disclosure_rows(unit, period)
    title = _("DANH SÁCH CÔNG KHAI KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI THÁNG %(month)02d/%(year)d",
              month=period.month, year=period.year)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[3]] = counts.get(row[3], 0) + 1
    sheet = Sheet(
        superior=_superior(unit), unit_name=unit.name.upper(), title=title,
        subtitle=unit.name, day=clock.today(),
        header=[_("STT"), _("Họ và tên"), _("Chức vụ"), _("Mức xếp loại")],
        rows=[[str(i), _text(name), _text(position), f"{level} — {label}"]
              for i, (_code, name, position, level, label) in enumerate(rows, start=1)],
        widths=[10, 60, 55, 65], right={0},
        notes=[_("Tổng số: %(count)d người.", count=len(rows))]
        + [_("Mức %(level)s: %(count)d người.", level=level, count=count)
           for level, count in sorted(counts.items())],
        signatures=_signatures())
    table = Table(_("Công khai %(unit)s %(period)s", unit=unit.code, period=period.code),
                  [_("Mã cán bộ"), _("Họ và tên"), _("Chức vụ"), _("Mức xếp loại"), _("Tên mức")],
                  [list(r) for r in rows],
                  filename=_("Công khai kết quả %(unit)s %(period)s", unit=unit.name, period=period.code))
    return sheet, table


def annual(unit: Unit, year: int) -> tuple[Sheet, Table]:
    """The unit's annual classification sheet, with each result's reason."""
    rows = annual_queries.download_rows(year, unit=unit)
    sheet = Sheet(
        superior=_superior(unit), unit_name=unit.name.upper(),
        title=_("BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI NĂM %(year)d", year=year),
        subtitle=unit.name, day=clock.today(),
        header=[_("STT"), _("Họ và tên"), _("Số tháng"), _("Điểm TB"), _("Mức"), _("Lý do")],
        rows=[[str(i), _text(r[1]), _text(r[5]), _text(r[6]), r[7] or _("Không xếp loại"),
               _text(r[8]) + (f" ({r[9]})" if r[9] else "")]
              for i, r in enumerate(rows, start=1)],
        widths=[10, 55, 18, 20, 22, 65], right={0, 2, 3},
        notes=[_("Tổng số: %(count)d người.", count=len(rows))], signatures=_signatures())
    table = Table(_("Xếp loại năm %(year)d", year=year), annual_queries.download_header(), rows,
                  filename=_("Xếp loại năm %(year)d %(unit)s", year=year, unit=unit.name))
    return sheet, table


def pdf_bytes(sheet: Sheet) -> bytes:
    """The sheet as PDF with the vendored Be Vietnam Pro font (SIL Open Font Licence), so that
    every Vietnamese letter prints with its marks on any machine. fpdf2 is imported here, not at
    start-up: it takes seconds to import and only this needs it."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    class Document(FPDF):
        """An A4 page with the page number in the footer."""

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("BeVietnamPro", size=8)
            self.cell(0, 6, _("Trang %(page)s/%(pages)s", page=self.page_no(), pages="{nb}"), align="C")

    pdf = Document(format="A4", unit="mm")
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("BeVietnamPro", "", str(FONTS / "BeVietnamPro-Regular.ttf"))
    pdf.add_font("BeVietnamPro", "B", str(FONTS / "BeVietnamPro-Bold.ttf"))
    pdf.set_title(sheet.title)
    pdf.add_page()
    half = (pdf.w - 30) / 2
    top = pdf.get_y()
    pdf.set_font("BeVietnamPro", size=9)
    pdf.multi_cell(half, 5, sheet.superior, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("BeVietnamPro", "B", 9)
    pdf.multi_cell(half, 5, sheet.unit_name, align="C", new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()
    pdf.set_xy(15 + half, top)
    pdf.set_font("BeVietnamPro", "B", 9)
    pdf.multi_cell(half, 5, sheet.national_title, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("BeVietnamPro", "B", 10)
    pdf.multi_cell(half, 5, sheet.national_motto, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("BeVietnamPro", size=9)
    pdf.multi_cell(half, 7, sheet.dated, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()) + 6)
    pdf.set_font("BeVietnamPro", "B", 12)
    pdf.multi_cell(0, 6, sheet.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("BeVietnamPro", size=10)
    pdf.multi_cell(0, 6, sheet.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("BeVietnamPro", size=9)
    heading = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    with pdf.table(col_widths=sheet.widths, headings_style=heading, line_height=6,
                   text_align=tuple("RIGHT" if i in sheet.right else "LEFT"
                                    for i in range(len(sheet.header)))) as table:
        table.row(sheet.header)
        for values in sheet.rows:
            table.row(values)
    pdf.ln(3)
    for note in sheet.notes:
        pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    top = pdf.get_y()
    width = (pdf.w - 30) / max(1, len(sheet.signatures))
    for i, (title, hint) in enumerate(sheet.signatures):
        pdf.set_xy(15 + i * width, top)
        pdf.set_font("BeVietnamPro", "B", 10)
        pdf.multi_cell(width, 5, title, align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_font("BeVietnamPro", size=8)
        pdf.multi_cell(width, 5, hint, align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
