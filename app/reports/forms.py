"""The form of a new ranking policy version: the four weights of the composite index, the points
taken per violation, the bands and the month it starts."""
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.forms import AppForm, ScoreField, period_rule


class RankingBandForm(AppForm):
    """One band; a row left wholly empty is not a band."""

    class Meta:
        csrf = False

    code = StringField(_l("Mã"), validators=[Optional(), Length(max=20), Regexp(
        r"^[a-z0-9_]*$", message=_l("Mã chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới."))])
    min_index = ScoreField(_l("Từ chỉ số"), max=100, places=2, required=False)
    label_vi = StringField(_l("Tên (tiếng Việt)"), validators=[Length(max=120)])
    label_en = StringField(_l("Tên (tiếng Anh)"), validators=[Length(max=120)])

    def filled(self) -> bool:
        typed = [self.code.data, (self.min_index.raw_data or [""])[0], self.label_vi.data, self.label_en.data]
        return any((value or "").strip() for value in typed)

    def validate_label_vi(self, field):
        complete = all((value or "").strip() for value in (self.code.data, field.data, self.label_en.data))
        if self.filled() and not (complete and self.min_index.data is not None) and not self.min_index.errors:
            raise ValidationError(_l("Hãy điền đủ mã, chỉ số và hai tên của xếp nhóm, "
                                     "hoặc để trống cả dòng."))


def _weight(label):
    return ScoreField(label, places=2, max=1)


class RankingPolicyForm(AppForm):
    name = StringField(_l("Tên phiên bản"), validators=[DataRequired(), Length(max=255)])
    effective_from = StringField(_l("Hiệu lực từ kỳ (YYYY-MM)"), validators=[DataRequired(), period_rule])
    weight_score = _weight(_l("Trọng số điểm trung bình"))
    weight_excellent = _weight(_l("Trọng số tỷ lệ mức cao nhất"))
    weight_satisfaction = _weight(_l("Trọng số chỉ số hài lòng"))
    weight_conduct = _weight(_l("Trọng số văn hóa công vụ"))
    violation_penalty = ScoreField(_l("Số điểm trừ mỗi vi phạm trên 100 người mỗi tháng"), places=2, max=100)
    bands = FieldList(FormField(RankingBandForm), min_entries=6, max_entries=8)

    def filled_bands(self):
        """The bands typed, in the order of the form (highest first)."""
        return [entry.form for entry in self.bands.entries if entry.form.filled()]
