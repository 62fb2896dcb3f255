"""Forms of the monthly assessment: scores per criterion (built from the assessment's own
criteria), objections, reopening, periods, policies and frameworks."""
from decimal import Decimal
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.evaluation.models import AUTO_SOURCES, CRITERION_GROUPS
from app.forms import AppForm, MultiCheckboxField, ScoreField, VersionField, choices, period_rule
from app.org.models import DISCIPLINE_FORMS, STAFF_CATEGORIES


def score_field_name(code):
    return f"score_{code}"


def assessment_form(criteria, kind, required=True):
    """A form with one score field per criterion; `kind` is "self" or "review"."""
    return _score_form(tuple((c.code, c.max_score) for c in criteria), kind, required)


@lru_cache(maxsize=256)
def _score_form(criteria, kind, required):
    """The form class of one set of criteria (code, maximum), built once: a class built per request
    had wtforms gather and sort its fields again on every first instance. Its labels are lazy
    (translated when shown), its instances hold the request's data."""

    class ScoreForm(AppForm):
        version = VersionField()

    for code, max_score in criteria:
        setattr(ScoreForm, score_field_name(code), ScoreField(code, max=max_score, required=required))
    if kind == "self":
        ScoreForm.report = TextAreaField(_l("Báo cáo kết quả công việc trong tháng"),
                                         validators=[Optional(), Length(max=5000)])
        ScoreForm.save = SubmitField(_l("Lưu nháp"))
        ScoreForm.submit = SubmitField(_l("Nộp bản tự đánh giá"))
    else:
        ScoreForm.comment = TextAreaField(_l("Nhận xét của người đánh giá"),
                                          validators=[Optional(), Length(max=5000)])
    return ScoreForm


class ObjectionForm(AppForm):
    text = TextAreaField(_l("Nội dung kiến nghị"), validators=[DataRequired(), Length(min=10, max=5000)])


class AnswerForm(AppForm):
    answer = TextAreaField(_l("Trả lời kiến nghị"), validators=[DataRequired(), Length(min=5, max=5000)])


class ReopenForm(AppForm):
    reason = TextAreaField(_l("Lý do mở lại"), validators=[DataRequired(), Length(min=10, max=2000)])


class OpenPeriodForm(AppForm):
    code = StringField(_l("Kỳ (YYYY-MM)"), validators=[DataRequired(), period_rule])


class BandForm(AppForm):
    class Meta:
        csrf = False

    level = StringField(_l("Mức"), validators=[DataRequired(), Length(max=2)])
    min_score = ScoreField(_l("Điểm tối thiểu"), max=1000)
    label_vi = StringField(_l("Tên (tiếng Việt)"), validators=[DataRequired(), Length(max=120)])
    label_en = StringField(_l("Tên (tiếng Anh)"), validators=[DataRequired(), Length(max=120)])


def _day(low, high):
    return [InputRequired(), NumberRange(min=low, max=high)]


def _or_two(value):
    """An empty back-fill window keeps the default of two months."""
    return 2 if value is None else value


def _or_quarter(value):
    """An empty deduction keeps the default of Decree 335 (25 %)."""
    return Decimal("0.25") if value is None else value


class PolicyForm(AppForm):
    name = StringField(_l("Tên phiên bản"), validators=[DataRequired(), Length(max=255)])
    effective_from = StringField(_l("Hiệu lực từ kỳ (YYYY-MM)"), validators=[DataRequired(), period_rule])
    total_max = ScoreField(_l("Tổng điểm"), min=1, max=1000)
    open_day = IntegerField(_l("Ngày mở kỳ (trong tháng)"), validators=_day(1, 31))
    self_due_day = IntegerField(_l("Hạn tự đánh giá (ngày của tháng sau)"), validators=_day(1, 28))
    review_due_day = IntegerField(_l("Hạn đánh giá của thủ trưởng (ngày của tháng sau)"),
                                  validators=_day(1, 28))
    close_day = IntegerField(_l("Ngày đóng kỳ (ngày của tháng sau)"), validators=_day(1, 28))
    objection_days = IntegerField(_l("Số ngày được kiến nghị sau khi công khai"), validators=_day(0, 60))
    excellent_quota_ratio = ScoreField(_l("Tỷ lệ tối đa số A so với số B"), places=2, max=10)
    min_months = IntegerField(_l("Số tháng tối thiểu để xếp loại năm"), validators=_day(1, 12))
    consecutive_years = IntegerField(_l("Số năm liên tiếp không hoàn thành để xem xét"),
                                     validators=_day(1, 10))
    discipline_min_form = SelectField(_l("Hình thức kỷ luật nhẹ nhất khiến năm bị xếp mức thấp nhất"),
                                      choices=choices(DISCIPLINE_FORMS))
    warning_low_months = IntegerField(_l("Cảnh báo sớm: số tháng bị xếp mức thấp nhất"),
                                      validators=_day(1, 12))
    satisfaction_min_ratings = IntegerField(_l("Số lượt đánh giá tối thiểu trong tháng để gợi ý điểm C3"),
                                            validators=_day(1, 1000))
    conduct_response_days = IntegerField(_l("Số ngày để cán bộ giải trình vi phạm"), validators=_day(1, 60))
    self_reminder_days = IntegerField(_l("Nhắc tự đánh giá từ bao nhiêu ngày trước hạn"),
                                      validators=_day(0, 10))
    review_reminder_days = IntegerField(_l("Nhắc thủ trưởng đánh giá từ bao nhiêu ngày trước hạn"),
                                        validators=_day(0, 10))
    repeat_offender_min = IntegerField(_l("Vi phạm nhiều lần: từ bao nhiêu lần"), validators=_day(2, 50))
    repeat_offender_months = IntegerField(_l("Vi phạm nhiều lần: trong bao nhiêu tháng"),
                                          validators=_day(1, 60))
    # The work results ledger (SPEC §2a); a form posted without them keeps the defaults.
    quality_deduction = ScoreField(_l("Tỷ lệ trừ điểm chất lượng cho mỗi lần bị trả lại"), places=2,
                                   max=1, required=False, default=Decimal("0.25"), filters=[_or_quarter])
    progress_deduction = ScoreField(_l("Tỷ lệ trừ điểm tiến độ cho mỗi lần trễ hạn"), places=2,
                                    max=1, required=False, default=Decimal("0.25"), filters=[_or_quarter])
    head_includes_unit = BooleanField(_l("T1–T3 của cấp trưởng tính cả nhiệm vụ của đơn vị mình lãnh đạo"))
    backfill_months = IntegerField(_l("Được mở kỳ của tối đa bao nhiêu tháng trước"), default=2,
                                   filters=[_or_two], validators=[Optional(), NumberRange(min=0, max=24)])
    bands = FieldList(FormField(BandForm), min_entries=4, max_entries=8)

    def validate_review_due_day(self, field):
        if self.self_due_day.data and field.data and field.data < self.self_due_day.data:
            raise ValidationError(_l("Hạn đánh giá phải sau hạn tự đánh giá."))

    def validate_close_day(self, field):
        if self.review_due_day.data and field.data and field.data < self.review_due_day.data:
            raise ValidationError(_l("Ngày đóng kỳ phải sau hạn đánh giá."))

    def validate_bands(self, field):
        levels = [entry.form.level.data for entry in field.entries]
        if len(set(levels)) != len(levels):
            raise ValidationError(_l("Các mức phải khác nhau."))
        if not any(entry.form.min_score.data == 0 for entry in field.entries):
            raise ValidationError(_l("Mức thấp nhất phải bắt đầu từ 0 điểm."))


class CriterionForm(AppForm):
    class Meta:
        csrf = False

    code = StringField(_l("Mã"), validators=[
        Optional(), Length(max=20),
        Regexp(r"^[A-Za-z0-9_-]*$", message=_l("Mã chỉ gồm chữ không dấu, chữ số và . _ -"))])
    group_code = SelectField(_l("Nhóm"), choices=choices(CRITERION_GROUPS))
    name_vi = StringField(_l("Tên (tiếng Việt)"), validators=[Optional(), Length(max=500)])
    name_en = StringField(_l("Tên (tiếng Anh)"), validators=[Optional(), Length(max=500)])
    max_score = ScoreField(_l("Điểm tối đa"), max=1000, required=False)
    auto_source = SelectField(_l("Nguồn gợi ý tự động"),
                              choices=[SelectChoice("", _l("Không có"))] + choices(AUTO_SOURCES))
    auto_param = ScoreField(_l("Tham số"), min=None, max=None, required=False)

    @property
    def is_blank(self):
        return not (self.code.data or "").strip()

    def validate(self, extra_validators=None):
        return True if self.is_blank else super().validate(extra_validators)


class FrameworkForm(AppForm):
    code = StringField(_l("Mã bộ tiêu chí"), validators=[DataRequired(), Length(max=50)])
    name = StringField(_l("Tên bộ tiêu chí"), validators=[DataRequired(), Length(max=255)])
    effective_from = StringField(_l("Hiệu lực từ kỳ (YYYY-MM)"), validators=[DataRequired(), period_rule])
    for_heads = BooleanField(_l("Dành cho cấp trưởng"))
    enabled = BooleanField(_l("Đang áp dụng"), default=True)
    categories = MultiCheckboxField(
        _l("Áp dụng cho"), choices=choices(STAFF_CATEGORIES),
        validators=[DataRequired(message=_l("Hãy chọn ít nhất một loại cán bộ hợp lệ."))])
    criteria = FieldList(FormField(CriterionForm), min_entries=12, max_entries=30)

    def validate_criteria(self, field):
        rows = [entry.form for entry in field.entries if not entry.form.is_blank]
        if not rows:
            raise ValidationError(_l("Hãy nhập ít nhất một tiêu chí."))
        for row in rows:
            if not row.name_vi.data or row.max_score.data is None:
                raise ValidationError(_l("Mỗi tiêu chí cần mã, tên tiếng Việt và điểm tối đa."))


class EnableForm(AppForm):
    enabled = HiddenField()
