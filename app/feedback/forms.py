"""The citizen's forms (rating, kiosk, tracking) and the staff side's forms."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.feedback.models import ATTITUDE, GUIDANCE, RATINGS, TIMELINESS
from app.forms import AppForm, choices

IDEM_RULES = [DataRequired(), Length(min=16, max=64), Regexp(r"^[A-Za-z0-9_-]+$")]


class KioskForm(AppForm):
    rating = RadioField(_l("Bạn có hài lòng không?"), choices=choices(RATINGS),
                        validators=[DataRequired(message=_l("Hãy chọn một mức đánh giá."))])
    idem = HiddenField(validators=IDEM_RULES)


class RatingForm(KioskForm):
    timeliness = RadioField(_l("Thời gian giải quyết"), choices=choices(TIMELINESS), validators=[Optional()])
    guidance = RadioField(_l("Hướng dẫn thủ tục"), choices=choices(GUIDANCE), validators=[Optional()])
    attitude = RadioField(_l("Thái độ của cán bộ"), choices=choices(ATTITUDE), validators=[Optional()])
    receipt_code = StringField(_l("Mã số biên nhận hồ sơ (nếu có)"), validators=[
        Optional(), Length(max=40),
        Regexp(r"^[A-Za-z0-9./-]+$", message=_l("Mã biên nhận chỉ gồm chữ, số và các ký tự . / -"))])
    comment = TextAreaField(_l("Góp ý của bạn"), validators=[Optional(), Length(max=1000)])
    is_complaint = BooleanField(_l("Tôi muốn gửi phản ánh để cơ quan xem xét, trả lời"))
    consent = BooleanField(
        _l("Tôi đồng ý để cơ quan dùng thông tin liên hệ dưới đây chỉ để trả lời phản ánh này"))
    contact = StringField(_l("Số điện thoại hoặc thư điện tử (không bắt buộc)"),
                          validators=[Optional(), Length(max=200)])
    # A field people never see; software that fills every field gives itself away.
    website = StringField(_l("Để trống ô này"), validators=[Optional(), Length(max=200)])

    def validate_contact(self, field):
        if field.data and not self.consent.data:
            raise ValidationError(_l("Hãy đánh dấu đồng ý nếu bạn muốn để lại thông tin liên hệ."))

    def validate_is_complaint(self, field):
        if field.data and not (self.comment.data or "").strip():
            raise ValidationError(_l("Hãy ghi nội dung phản ánh."))


class TrackForm(AppForm):
    class Meta:
        csrf = False

    code = StringField(_l("Mã theo dõi phản ánh"), validators=[
        DataRequired(), Length(max=20), Regexp(r"^[A-Za-z0-9-]+$", message=_l("Mã theo dõi không hợp lệ."))])


class AnswerForm(AppForm):
    answer = TextAreaField(_l("Trả lời phản ánh"), validators=[DataRequired(), Length(min=5, max=5000)])


class HideForm(AppForm):
    reason = StringField(_l("Lý do ẩn"), validators=[DataRequired(), Length(min=5, max=500)])


class TargetForm(AppForm):
    kind = HiddenField(validators=[DataRequired()])
    staff_id = HiddenField()
    unit_id = HiddenField(validators=[DataRequired()])


class KioskDeviceForm(AppForm):
    name = StringField(_l("Tên máy kiosk (ví dụ: Máy tính bảng quầy 1)"),
                       validators=[DataRequired(), Length(max=100)])
