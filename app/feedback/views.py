"""Citizen feedback pages: the public ones (no login: QR link form, kiosk, tracking) and the
staff side (own ratings, the unit's index, complaints, QR posters, moderation)."""
import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from markupsafe import Markup

from app import permissions
from app.errors import DomainError
from app.extensions import db, limiter
from app.feedback import queries, services
from app.feedback.forms import (
    AnswerForm,
    HideForm,
    KioskDeviceForm,
    KioskForm,
    RatingForm,
    TargetForm,
    TrackForm,
)
from app.feedback.models import ATTITUDE, GUIDANCE, TIMELINESS, Complaint, FeedbackTarget, KioskDevice, Rating
from app.forms import arg
from app.org.models import Staff, Unit
from app.periods import month_arg
from app.permissions import can, require

# The only blueprint that anonymous visitors reach (see PUBLIC_BLUEPRINTS in app/__init__.py).
public = Blueprint("public_feedback", __name__)
bp = Blueprint("feedback", __name__, url_prefix="/feedback")
LABELS = {"timeliness": TIMELINESS, "guidance": GUIDANCE, "attitude": ATTITUDE}


def _rate_limit():
    return current_app.config["FEEDBACK_RATE_LIMIT"]


def _target_or_404(token):
    target = services.find_target(token)
    if target is None:
        abort(404)
    return target


def _fresh(form):
    if not form.idem.data:
        form.idem.data = services.new_idempotency_token()
    return form


# ---------------------------------------------------------------- public


@public.route("/p/<token>", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def rate(token):
    """The citizen's form reached from a QR code or short link."""
    # A good submit is one statement: the insert finds the token's target itself. The target
    # and its names are read only when the form is shown (again).
    form = RatingForm()
    if form.validate_on_submit():
        if form.website.data:  # the honeypot: pretend all is well, keep nothing
            _target_or_404(token)
            return render_template("feedback/thanks.html", token=token, complaint=None)
        try:
            done = services.submit_rating(token, form.data, get_remote_address(), "qr")
        except DomainError as exc:
            form.receipt_code.errors.append(str(exc))
            return render_template("feedback/rate.html", target=_target_or_404(token), form=form), 400
        if done is None:
            abort(404)
        return render_template("feedback/thanks.html", token=token, complaint=done.complaint)
    status = 400 if request.method == "POST" else 200
    return render_template("feedback/rate.html", target=_target_or_404(token), form=_fresh(form)), status


def _kiosk_key():
    """A kiosk's limit is its own (one tablet, one token), whatever address it shares."""
    return "kiosk:" + (request.view_args or {}).get("token", "")


@public.route("/kiosk/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["KIOSK_RATE_LIMIT"], methods=["POST"], key_func=_kiosk_key)
def kiosk(token):
    """A registered tablet at the desk: three large buttons; after a rating it returns to itself.
    Only a kiosk device's own token opens it: a QR poster's token is not found here."""
    device = services.find_kiosk(token)
    if device is None:
        abort(404)
    form = KioskForm()
    if form.validate_on_submit():
        try:
            services.submit_kiosk_rating(device, form.data, get_remote_address())
        except DomainError as exc:
            form.idem.data = services.new_idempotency_token()
            flash(exc.message, "error")
            return render_template("feedback/kiosk.html", device=device, target=device.target,
                                   form=form), exc.status
        return render_template("feedback/kiosk_thanks.html", device=device, target=device.target)
    form.idem.data = services.new_idempotency_token()
    return render_template("feedback/kiosk.html", device=device, target=device.target, form=form), \
        400 if request.method == "POST" else 200


@public.get("/track")
@limiter.limit(lambda: current_app.config["TRACK_RATE_LIMIT"])
def track():
    """The citizen follows a complaint with its tracking code."""
    form = TrackForm(request.args)
    complaint = None
    searched = bool(arg("code"))
    if searched and form.validate():
        complaint = services.find_complaint(form.code.data)
    return render_template("feedback/track.html", form=form, complaint=complaint,
                           searched=searched), 404 if searched and complaint is None else 200


# ---------------------------------------------------------------- staff side


@bp.get("/mine")
def mine():
    """The official's own ratings and comments, never who sent them."""
    if current_user.staff_id is None:
        abort(404)
    period = month_arg()
    counts = services.satisfaction(Rating.staff_id, {current_user.staff_id}, period)
    positive, total = counts.get(current_user.staff_id, (0, 0))
    page = queries.ratings_of_staff(current_user.staff_id, period)
    return render_template("feedback/mine.html", period=period, positive=positive, total=total,
                           index=services.index(positive, total), page=page,
                           when=services.when_labels(page.items, current_user.staff_id, period), **LABELS)


@bp.get("/units/<int:unit_id>")
def unit_ratings(unit_id):
    """A unit's satisfaction this month: by official, for the desk, and every rating."""
    unit = permissions.get_or_404(Unit, unit_id, "feedback.view")
    period = month_arg()
    officials = queries.unit_officials(unit.id)
    by_staff = services.satisfaction(Rating.staff_id, {s.id for s in officials}, period)
    positive, total = services.satisfaction(Rating.unit_id, {unit.id}, period).get(unit.id, (0, 0))
    return render_template("feedback/unit.html", unit=unit, period=period, officials=officials,
                           by_staff=by_staff, positive=positive, total=total,
                           index=services.index(positive, total), index_of=services.index,
                           page=queries.ratings_of_unit(unit.id, period), hide_form=HideForm(),
                           **LABELS)


@bp.post("/ratings/<int:rating_id>/hide")
def hide(rating_id):
    """hr_admin hides an abusive comment (the rating stays and counts)."""
    rating = permissions.get_or_404(Rating, rating_id, "feedback.moderate")
    form = HideForm()
    if form.validate_on_submit():
        services.hide_comment(rating, form.reason.data)
        flash(_("Đã ẩn nội dung góp ý."), "success")
    else:
        flash(_("Hãy ghi lý do ẩn (ít nhất 5 ký tự)."), "error")
    return redirect(url_for("feedback.unit_ratings", unit_id=rating.unit_id, period=rating.period))


@bp.get("/complaints")
def complaints():
    """Complaints in scope, open ones first."""
    require("feedback.view")
    status = arg("status")
    if status not in ("", "open", "closed"):
        status = ""
    return render_template("feedback/complaints.html", status=status,
                           page=queries.complaints_page(current_user, status))


def _complaint_page(complaint, form=None, status=200):
    if complaint.status != "open" or not can(current_user, "complaint.answer", complaint):
        form = None
    elif form is None:
        form = AnswerForm()
    answers = {"attitude": ATTITUDE, "timeliness": TIMELINESS, "guidance": GUIDANCE}
    return render_template("feedback/complaint.html", complaint=complaint, form=form,
                           answers=answers), status


@bp.get("/complaints/<int:complaint_id>")
def complaint_detail(complaint_id):
    complaint = permissions.get_or_404(Complaint, complaint_id, "feedback.view")
    return _complaint_page(complaint)


@bp.post("/complaints/<int:complaint_id>/answer")
def complaint_answer(complaint_id):
    """Answer a complaint and close it with the note."""
    complaint = permissions.get_or_404(Complaint, complaint_id, "complaint.answer")
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.answer_complaint(complaint, form.answer.data, current_user)
        except DomainError as exc:
            flash(str(exc), "error")
            return _complaint_page(complaint, status=400)
        flash(_("Đã trả lời phản ánh."), "success")
        return redirect(url_for("feedback.complaint_detail", complaint_id=complaint.id))
    return _complaint_page(complaint, form, 400)


@bp.get("/targets")
def targets():
    """Units with front-desk staff: their QR links and posters."""
    require("feedback.manage")
    page = queries.front_desk_units(current_user)
    rows = [(unit, queries.unit_officials(unit.id), queries.targets_of_unit(unit.id))
            for unit in page.items]
    kiosks = queries.kiosks_of_units([unit.id for unit in page.items])
    return render_template("feedback/targets.html", page=page, rows=rows, form=TargetForm(),
                           kiosks=kiosks, kiosk_form=KioskDeviceForm())


@bp.post("/targets")
def target_create():
    """Issue a QR link for a front-desk official or for a desk."""
    require("feedback.manage")
    form = TargetForm()
    unit = db.session.get(Unit, request.form.get("unit_id", type=int) or 0)
    if unit is None or not form.validate_on_submit() or form.kind.data not in ("official", "desk"):
        abort(400)
    require("feedback.manage", unit)
    staff = None
    if form.kind.data == "official":
        staff = db.session.get(Staff, request.form.get("staff_id", type=int) or 0)
        if staff is None or staff.unit_id != unit.id or not staff.front_desk:
            abort(400)
    if queries.targets_of_unit(unit.id).get(staff.id if staff else None) is None:
        services.create_target(form.kind.data, unit, staff)
        flash(_("Đã tạo mã QR."), "success")
    return redirect(url_for("feedback.targets"))


@bp.post("/targets/<int:target_id>/replace")
def target_replace(target_id):
    """Retire a link (a poster was misused) and issue a new one."""
    target = permissions.get_or_404(FeedbackTarget, target_id, "feedback.manage")
    if not target.active:
        abort(404)
    services.replace_token(target)
    flash(_("Đã thay mã QR; mã cũ không còn dùng được."), "success")
    return redirect(url_for("feedback.targets"))


@bp.get("/targets/<int:target_id>/poster")
def poster(target_id):
    """A printable poster with the QR code (generated here, no outside service)."""
    target = permissions.get_or_404(FeedbackTarget, target_id, "feedback.manage")
    if not target.active:
        abort(404)
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    link = base.rstrip("/") + url_for("public_feedback.rate", token=target.token)
    # segno writes the SVG itself (paths and fixed attributes; the link is encoded as modules,
    # never copied into the markup), so it is safe to mark as markup.
    qr = Markup(segno.make(link, error="m").svg_inline(scale=8, dark="#000", light="#fff"))  # nosec B704
    return render_template("feedback/poster.html", target=target, qr=qr, link=link)


@bp.post("/targets/<int:target_id>/kiosks")
def kiosk_register(target_id):
    """hr_admin registers a tablet for a desk; the page then lists its kiosk address."""
    target = permissions.get_or_404(FeedbackTarget, target_id, "feedback.kiosk")
    form = KioskDeviceForm()
    if not form.validate_on_submit():
        flash(_("Hãy đặt tên cho máy kiosk (tối đa 100 ký tự)."), "error")
        return redirect(url_for("feedback.targets")), 303
    try:
        services.register_kiosk(target, form.name.data, current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("feedback.targets")), 303
    flash(_("Đã đăng ký máy kiosk. Mở địa chỉ kiosk trên máy tính bảng tại quầy."), "success")
    return redirect(url_for("feedback.targets"))


@bp.post("/kiosks/<int:kiosk_id>/revoke")
def kiosk_revoke(kiosk_id):
    """A tablet lost or replaced: its address stops working at once."""
    device = permissions.get_or_404(KioskDevice, kiosk_id, "feedback.kiosk")
    services.revoke_kiosk(device)
    flash(_("Đã thu hồi máy kiosk."), "success")
    return redirect(url_for("feedback.targets"))
