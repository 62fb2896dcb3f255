"""Uploaded images are decoded and re-encoded (issue 16): a JPEG with HTML appended and a GPS
position in its EXIF is stored as a clean image; what does not decode is refused; the pixel
count is capped; a replaced checklist photo leaves neither its row nor its file behind."""
import io

import pytest
from PIL import Image
from sqlalchemy import select

from app import clock, uploads
from app.auth.models import User
from app.conduct import services
from app.conduct.models import ChecklistTemplate, InspectionPerson, Photo
from app.errors import DomainError
from app.extensions import db
from app.org.models import Unit
from tests import factories

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _gps_exif():
    exif = Image.Exif()
    exif[0x010F] = "Camera of the inspector"  # Make
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 50.0, 0.0)}  # GPSInfo
    return exif


def _record(app, world, data):
    with app.app_context():
        lead = db.session.get(User, world.users["inspector"])
        template = db.session.scalar(select(ChecklistTemplate))
        inspection = world.__dict__.get("inspection_id")
        if inspection is None:
            made = services.create_inspection(db.session.get(Unit, world.units["A1"]), template,
                                              clock.now(), lead)
            world.inspection_id = inspection = made.id
        inspection = db.session.get(services.Inspection, inspection)
        person = db.session.get(InspectionPerson, (inspection.id, world.staff["S1"]))
        services.record_person(inspection, person, "present", {
            template.rules[0]: ("violation", "Không đeo thẻ", data, "image/jpeg")}, lead)
        return db.session.scalars(select(Photo)).all()


def test_a_polyglot_jpeg_is_stored_as_a_clean_reencoded_image(app, world):
    polyglot = factories.image_bytes("JPEG", size=(40, 30), exif=_gps_exif()) + HTML
    with Image.open(io.BytesIO(polyglot)) as original:
        assert original.getexif().get(0x8825)  # the upload carries a location
    photos = _record(app, world, polyglot)
    with app.app_context():
        stored = (uploads.folder("conduct") / photos[0].filename).read_bytes()
    assert b"<script" not in stored and b"<html" not in stored
    with Image.open(io.BytesIO(stored)) as clean:
        assert clean.format == "JPEG" and clean.size == (40, 30)
        assert not clean.getexif()  # no EXIF: no location, no camera
    assert photos[0].size == len(stored)


def test_magic_bytes_followed_by_html_are_refused(app, world):
    with pytest.raises(DomainError, match="Ảnh không đọc được"):
        _record(app, world, b"\xff\xd8\xff\xe0" + HTML)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Photo.id))) == 0


def test_an_image_with_too_many_pixels_is_refused(app, world):
    app.config["UPLOAD_MAX_PIXELS"] = 1_000_000
    try:
        with pytest.raises(DomainError, match="tối đa 1 triệu điểm ảnh"):
            _record(app, world, factories.image_bytes("PNG", size=(1200, 1000)))
    finally:
        app.config["UPLOAD_MAX_PIXELS"] = 60_000_000


def test_replacing_a_checklist_photo_deletes_the_old_row_and_file(app, world):
    first = _record(app, world, factories.image_bytes("JPEG", color=(0, 0, 255)))
    with app.app_context():
        old_file = uploads.folder("conduct") / first[0].filename
    assert old_file.exists()
    second = _record(app, world, factories.image_bytes("JPEG", color=(0, 255, 0)))
    assert [p.id for p in second] != [p.id for p in first] and len(second) == 1
    assert not old_file.exists()
    with app.app_context():
        assert (uploads.folder("conduct") / second[0].filename).exists()
