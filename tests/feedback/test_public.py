"""The public pages: anonymous, rate-limited, one row per submit, one rating per receipt code."""
import re

from sqlalchemy import select

from app import clock
from app.extensions import db, limiter
from app.feedback import services
from app.feedback.models import Complaint, FeedbackTarget, Rating
from tests.feedback.conftest import count, form


def test_an_anonymous_citizen_rates_an_official_through_the_qr_link(app, client, desk):
    page = client.get(f"/p/{desk.token}")
    assert page.status_code == 200
    assert "Đỗ Thị Một Cửa" in page.text and "Rất hài lòng" in page.text
    response = client.post(f"/p/{desk.token}", data=form(
        "very_satisfied", timeliness="on_time", guidance="clear", attitude="friendly",
        receipt_code="000.12.34.H56-250101-0001", comment="Cán bộ hướng dẫn tận tình."))
    assert response.status_code == 200 and "Cảm ơn bạn đã đánh giá!" in response.text
    with app.app_context():
        rating = db.session.scalar(select(Rating))
        assert (rating.rating, rating.staff_id, rating.timeliness, rating.source) == (
            "very_satisfied", desk.official, "on_time", "qr")
        assert rating.receipt_code == "000.12.34.H56-250101-0001"
        assert len(rating.client_hash) == 32 and "127.0.0.1" not in rating.client_hash
        # Every column the insert writes (one INSERT … RETURNING, not the unit of work).
        assert (rating.target_id, rating.unit_id, rating.comment, rating.comment_hidden) == (
            desk.target, desk.unit, "Cán bộ hướng dẫn tận tình.", False)
        assert rating.period == clock.now().strftime("%Y-%m") and rating.kiosk_id is None
        assert abs((clock.aware(rating.created_at) - clock.utcnow()).total_seconds()) < 60


def test_the_token_is_opaque_and_unknown_tokens_are_404(client, desk):
    assert not re.search(r"\d+$", desk.token) or len(desk.token) >= 20
    assert client.get("/p/F1").status_code == 404
    assert client.get("/p/1").status_code == 404
    assert client.post("/p/nonexistent", data=form()).status_code == 404


def test_a_retired_token_takes_no_rating(app, client, desk):
    """The QR form's insert finds the target by its token itself: a retired (replaced) token or an
    unknown one stores nothing and answers 404, a good form or not."""
    with app.app_context():
        services.replace_token(db.session.get(FeedbackTarget, desk.target))
    assert client.post(f"/p/{desk.token}", data=form()).status_code == 404
    assert client.post(f"/p/{desk.token}", data=form(rating="")).status_code == 404
    assert client.post(f"/p/{desk.token}", data=form(website="http://spam.example")).status_code == 404
    assert client.post("/p/" + "x" * 5000, data=form()).status_code == 404
    assert count(app, Rating) == 0


def test_a_resubmitted_form_stores_one_row(app, client, desk):
    data = form("satisfied", comment="Tốt")
    first = client.post(f"/p/{desk.token}", data=data)
    second = client.post(f"/p/{desk.token}", data=data)
    assert first.status_code == second.status_code == 200
    assert count(app, Rating) == 1


def test_a_resubmitted_complaint_answers_with_its_first_tracking_code(app, client, desk):
    data = form("dissatisfied", comment="Phải chờ quá lâu.", receipt_code="HS-2026-0009")
    first = client.post(f"/p/{desk.token}", data=data)
    second = client.post(f"/p/{desk.token}", data=data)
    code = re.search(r"PA-[A-Z0-9]{8}", first.text).group(0)
    assert second.status_code == 200 and code in second.text
    assert count(app, Rating) == 1 and count(app, Complaint) == 1


def test_a_refused_submit_shows_the_form_again_with_the_official_and_the_unit(app, client, desk):
    client.post(f"/p/{desk.token}", data=form(receipt_code="HS-2026-0002"))
    refused = client.post(f"/p/{desk.token}", data=form(receipt_code="HS-2026-0002"))
    invalid = client.post(f"/p/{desk.token}", data=form("furious"))
    for page in (refused, invalid):
        assert page.status_code == 400 and "Đỗ Thị Một Cửa" in page.text
    assert count(app, Rating) == 1


def test_one_rating_per_receipt_code(app, client, desk):
    client.post(f"/p/{desk.token}", data=form(receipt_code="HS-2026-0001"))
    again = client.post(f"/p/{desk.token}", data=form(receipt_code="hs-2026-0001"))
    assert again.status_code == 400
    assert "Hồ sơ có mã biên nhận này đã được đánh giá." in again.text
    assert count(app, Rating) == 1


def test_the_honeypot_stores_nothing(app, client, desk):
    response = client.post(f"/p/{desk.token}", data=form(website="http://spam.example"))
    assert response.status_code == 200 and "Cảm ơn" in response.text
    assert count(app, Rating) == 0


def test_bad_input_gets_a_message_and_stores_nothing(app, client, desk):
    response = client.post(f"/p/{desk.token}", data=form("furious", comment="x" * 1001,
                                                         contact="0900000000"))
    assert response.status_code == 400
    assert "Lựa chọn không hợp lệ." in response.text or "Hãy chọn một mức đánh giá." in response.text
    assert "Không được dài quá 1000 ký tự." in response.text
    assert "Hãy đánh dấu đồng ý" in response.text
    missing = client.post(f"/p/{desk.token}", data={"idem": "x" * 30})
    assert missing.status_code == 400 and "Hãy chọn một mức đánh giá." in missing.text
    assert count(app, Rating) == 0


def test_a_burst_gets_429_never_500(app, client, desk):
    limiter.reset()
    statuses = [client.post(f"/p/{desk.token}", data=form()).status_code for _ in range(13)]
    limiter.reset()
    assert statuses[:10] == [200] * 10
    assert set(statuses[10:]) == {429}
    assert count(app, Rating) == 10


def test_a_dissatisfied_rating_with_a_comment_opens_a_complaint_with_a_tracking_code(app, client, desk):
    response = client.post(f"/p/{desk.token}", data=form(
        "dissatisfied", attitude="harassment", comment="Cán bộ gợi ý phải bồi dưỡng mới nhận hồ sơ.",
        consent="y", contact="0912 345 678"))
    code = re.search(r"PA-[A-Z0-9]{8}", response.text).group(0)
    with app.app_context():
        complaint = db.session.scalar(select(Complaint))
        assert (complaint.tracking_code, complaint.status, complaint.contact) == (code, "open",
                                                                                  "0912 345 678")
        assert complaint.staff_id == desk.official
    track = client.get(f"/track?code={code.lower()}")
    assert track.status_code == 200 and "Đang xử lý" in track.text
    assert client.get("/track?code=PA-NOTHERE").status_code == 404


def test_a_dissatisfied_rating_without_a_comment_is_not_a_complaint(app, client, desk):
    client.post(f"/p/{desk.token}", data=form("dissatisfied"))
    assert count(app, Complaint) == 0 and count(app, Rating) == 1


def test_an_explicit_complaint_needs_text_and_contact_needs_consent(app, client, desk):
    response = client.post(f"/p/{desk.token}", data=form("satisfied", is_complaint="y"))
    assert response.status_code == 400 and "Hãy ghi nội dung phản ánh." in response.text
    ok = client.post(f"/p/{desk.token}", data=form("satisfied", is_complaint="y",
                                                   comment="Quầy thiếu ghế chờ cho người già."))
    assert "Mã theo dõi" in ok.text
    with app.app_context():
        assert db.session.scalar(select(Complaint.contact)) is None


def test_the_kiosk_has_three_buttons_and_resets_itself(app, client, desk):
    page = client.get(f"/kiosk/{desk.kiosk_token}")
    assert page.text.count('class="kiosk-button ') == 3
    token = re.search(r'name="idem" type="hidden" value="([^"]+)"', page.text).group(1)
    done = client.post(f"/kiosk/{desk.kiosk_token}", data={"rating": "very_satisfied", "idem": token})
    assert f'http-equiv="refresh" content="5;url=/kiosk/{desk.kiosk_token}' in done.text
    client.post(f"/kiosk/{desk.kiosk_token}", data={"rating": "very_satisfied", "idem": token})
    with app.app_context():
        rating = db.session.scalar(select(Rating))
        assert (rating.source, rating.staff_id, rating.unit_id, rating.kiosk_id) == (
            "kiosk", None, desk.unit, desk.kiosk)
    assert count(app, Rating) == 1


def test_public_pages_speak_english_too(client, desk):
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/p/{desk.token}")
    assert "Very satisfied" in page.text and "Send rating" in page.text


def test_behind_a_trusted_proxy_the_limit_applies_per_citizen(app, desk, monkeypatch):
    from app import create_app
    from config import TestingConfig

    monkeypatch.setattr(TestingConfig, "TRUSTED_PROXIES", 1)
    client = create_app("testing").test_client()
    limiter.reset()

    def post(citizen):
        return client.post(f"/p/{desk.token}", data=form(), environ_base={"REMOTE_ADDR": "10.0.0.1"},
                           headers={"X-Forwarded-For": citizen}).status_code

    first = [post("203.0.113.7") for _ in range(11)]
    assert first[:10] == [200] * 10 and first[10] == 429
    assert post("198.51.100.23") == 200  # another citizen behind the same proxy
    limiter.reset()


def test_a_rating_is_one_statement_and_the_thanks_page_links_back_to_the_form(app, client, desk):
    from tests.queries import StatementCounter

    with app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        response = client.post(f"/p/{desk.token}", data=form("satisfied"))
    # The insert, which finds the token's target itself: the token's earlier use is the unique
    # constraint's to find, and the target is not read for the page.
    assert response.status_code == 200 and counter.count == 1
    assert f'href="/p/{desk.token}">Đánh giá lần khác</a>' in response.text
    honeypot = client.post(f"/p/{desk.token}", data=form(website="http://spam.example"))
    assert f'href="/p/{desk.token}">Đánh giá lần khác</a>' in honeypot.text
