"""One way to refuse: services raise DomainError with the user's message; the web shows it as a
4xx page (or on the form that caused it), the CLI as one stderr line and exit 1. Friendly error
pages in the visitor's language; bad input never becomes a 500."""
from flask import Flask, flash, render_template
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from wtforms import Field

from app.extensions import db


class DomainError(Exception):
    """A rule refused the request. The message is for the user (already translated); nothing
    was changed. `status` is the HTTP status a page answers with."""

    status = 400

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = str(message)

    def __str__(self) -> str:
        return self.message


class StaleError(DomainError):
    """Someone else changed the object since the form was loaded."""

    status = 409


def refused(error: DomainError, field: Field | None = None) -> int:
    """Show a refusal on the form field that caused it (or as a flashed message when there is
    none); returns the status the page answers with, so the view re-renders its form."""
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")
    return error.status


MESSAGES = {
    400: (_l("Yêu cầu không hợp lệ"), _l("Yêu cầu gửi lên không hợp lệ. Vui lòng kiểm tra lại và thử lại.")),
    403: (_l("Không có quyền truy cập"), _l("Tài khoản của bạn không có quyền thực hiện thao tác này.")),
    404: (_l("Không tìm thấy trang"),
          _l("Trang hoặc đối tượng bạn tìm không tồn tại hoặc nằm ngoài phạm vi được giao.")),
    405: (_l("Thao tác không được hỗ trợ"), _l("Trang này không hỗ trợ thao tác bạn vừa gửi.")),
    413: (_l("Tệp quá lớn"), _l("Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép.")),
    429: (_l("Quá nhiều yêu cầu"),
          _l("Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng chờ một lát rồi thử lại.")),
    500: (_l("Lỗi hệ thống"), _l("Đã có lỗi ngoài dự kiến. Sự cố đã được ghi lại; vui lòng thử lại sau.")),
}


def render_error(code: int, message: str | LazyString | None = None) -> tuple[str, int]:
    title, default_message = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
    return render_template("errors/error.html", code=code, title=title,
                           message=message or default_message), code


def register(app: Flask) -> None:
    """Attach the handlers for refusals, HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> tuple[str, int]:
        # A refusal no view caught: nothing was written (the service's transaction rolled back).
        db.session.rollback()
        return render_error(error.status, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(
            400, _l("Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và gửi lại."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> HTTPException | tuple[str, int]:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return render_error(500)
