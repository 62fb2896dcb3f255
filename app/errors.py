"""Friendly error pages in the visitor's language; bad input never becomes a 500."""
from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db

MESSAGES = {
    400: (_l("Yêu cầu không hợp lệ"), _l("Yêu cầu gửi lên không hợp lệ. Vui lòng kiểm tra lại và thử lại.")),
    403: (_l("Không có quyền truy cập"), _l("Tài khoản của bạn không có quyền thực hiện thao tác này.")),
    404: (_l("Không tìm thấy trang"), _l("Trang hoặc đối tượng bạn tìm không tồn tại hoặc nằm ngoài phạm vi được giao.")),
    405: (_l("Thao tác không được hỗ trợ"), _l("Trang này không hỗ trợ thao tác bạn vừa gửi.")),
    413: (_l("Tệp quá lớn"), _l("Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép.")),
    429: (_l("Quá nhiều yêu cầu"), _l("Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng chờ một lát rồi thử lại.")),
    500: (_l("Lỗi hệ thống"), _l("Đã có lỗi ngoài dự kiến. Sự cố đã được ghi lại; vui lòng thử lại sau.")),
}


def render_error(code, message=None):
    title, default_message = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
    return render_template("errors/error.html", code=code, title=title,
                           message=message or default_message), code


def register(app):
    """Attach the handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _l("Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và gửi lại."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return render_error(500)
