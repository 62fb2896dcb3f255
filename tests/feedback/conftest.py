"""Feedback fixtures: a one-stop centre with a front-desk official and their QR target."""
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.extensions import db
from app.feedback import services
from tests import factories


@pytest.fixture()
def desk(app, world):
    with app.app_context():
        factories.create_unit("MC", "A", kind="one_stop_centre")
        official = factories.create_staff("F1", "MC", front_desk=True, full_name="Đỗ Thị Một Cửa")
        target = services.create_target("official", factories.unit("MC"), official)
        desk_target = services.create_target("desk", factories.unit("MC"))
        account = factories.create_user([("staff", "MC")], staff_code="F1", username="f1").id
        head = factories.create_user([("unit_head", "MC")], username="head_mc").id
        hr = factories.create_user([("hr_admin", "MC")], username="hr_mc")
        kiosk = services.register_kiosk(desk_target, "Máy tính bảng quầy 1", hr)
        return SimpleNamespace(token=target.token, desk_token=desk_target.token, official=official.id,
                               account=account, head=head, unit=factories.unit("MC").id,
                               target=target.id, desk_target=desk_target.id, hr=hr.id,
                               kiosk=kiosk.id, kiosk_token=kiosk.token)


def form(rating="satisfied", idem=None, **extra):
    import secrets

    data = {"rating": rating, "idem": idem or secrets.token_urlsafe(24)}
    data.update(extra)
    return data


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(db.func.count(model.id)))


