"""The organisation imports of SPEC §9: all or nothing, errors with line numbers, CLI and page."""
import io
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.org.models import DisciplinaryDecision, Staff, StaffAssignment, Unit

SAMPLES = Path(__file__).parent.parent / "fixtures" / "samples"

STAFF_HEADER = "code,full_name,unit_code,category,position,is_head,front_desk,email,start_date\n"


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count(model.id)))
                     for model in (Unit, Staff, StaffAssignment, DisciplinaryDecision))


def write(tmp_path, name, content, bom=False):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + content.encode("utf-8"))
    return str(path)


def test_sample_files_import_through_the_cli(app, runner):
    for command, name in (("import-units", "units.csv"), ("import-staff", "staff.csv"),
                          ("import-discipline", "discipline.csv")):
        result = runner.invoke(args=["org", command, str(SAMPLES / name)])
        assert result.exit_code == 0, result.output
    assert "Đã nhập 1 quyết định kỷ luật." in result.output
    with app.app_context():
        q1 = db.session.scalar(select(Unit).where(Unit.code == "Q1-PVHCC"))
        root = db.session.scalar(select(Unit).where(Unit.code == "UBND-TP"))
        q1_parent = db.session.scalar(select(Unit).where(Unit.code == "Q1"))
        # The one-stop centre came before its parent in the file and still sits under it.
        assert q1.parent_id == q1_parent.id and q1_parent.parent_id == root.id
        assert q1.path == f"/{root.id}/{q1_parent.id}/{q1.id}/"
        nv004 = db.session.scalar(select(Staff).where(Staff.code == "NV004"))
        assert (nv004.full_name, nv004.category, nv004.front_desk, nv004.is_head) == (
            "Nguyễn Thu Dung", "vien_chuc", True, False)
        assert nv004.unit_id == q1.id
        assignment = db.session.scalar(select(StaffAssignment).where(StaffAssignment.staff_id == nv004.id))
        assert (assignment.unit_id, assignment.start_date.isoformat()) == (q1.id, "2019-06-10")
    assert counts(app) == (7, 7, 7, 1)


def test_a_bom_is_accepted(app, runner, tmp_path):
    path = write(tmp_path, "u.csv", "code,name,parent_code,kind\nX,Đơn vị X,,other\n", bom=True)
    result = runner.invoke(args=["org", "import-units", path])
    assert result.exit_code == 0, result.output
    assert counts(app)[0] == 1


@pytest.mark.parametrize("content, messages", [
    ("code,name,parent_code,kind\nX,Một,,other\nY,Hai,NOWHERE,division\nZ,Ba,X,planet\nX,Bốn,,other\n",
     [":3: Đơn vị cấp trên NOWHERE", ":4: Loại đơn vị \"planet\" không hợp lệ",
      ":5: Mã đơn vị X trùng với dòng 2"]),
    ("code,name,parent_code,kind\nP,Một,Q,other\nQ,Hai,P,other\n",
     [":2: Quan hệ cấp trên tạo thành vòng lặp", ":3: Quan hệ cấp trên tạo thành vòng lặp"]),
    ("code,name,kind\nX,Một,other\n", [":1: Dòng tiêu đề phải gồm đúng các cột"]),
    ("code,name,parent_code,kind\n", [":2: Tệp không có dòng dữ liệu nào"]),
    ("code,name,parent_code,kind\nX,Một,,other,extra\n", [":2: Có 5 cột, cần 4 cột"]),
])
def test_a_bad_unit_file_imports_nothing_and_names_the_lines(app, runner, tmp_path, content, messages):
    path = write(tmp_path, "units.csv", content)
    result = runner.invoke(args=["org", "import-units", path])
    assert result.exit_code == 1
    for message in messages:
        assert message in result.stderr
    assert counts(app) == (0, 0, 0, 0)


def test_a_file_that_is_not_utf8_is_refused(app, runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes("code,name,parent_code,kind\nX,Đơn,,other\n".encode("cp1258"))  # Windows-1258
    result = runner.invoke(args=["org", "import-units", str(path)])
    assert result.exit_code == 1
    assert ":2: Tệp không đúng mã hóa UTF-8." in result.stderr
    assert counts(app) == (0, 0, 0, 0)


def test_a_missing_file_is_a_clear_error(runner):
    result = runner.invoke(args=["org", "import-units", "/no/such/file.csv"])
    assert result.exit_code == 1
    assert "Không đọc được tệp /no/such/file.csv" in result.stderr


def test_existing_unit_codes_are_refused(app, runner, tmp_path, world):
    before = counts(app)
    path = write(tmp_path, "units.csv",
                 "code,name,parent_code,kind\nA,Trùng,ROOT,division\nN,Mới,A,division\n")
    result = runner.invoke(args=["org", "import-units", path])
    assert result.exit_code == 1
    assert ":2: Mã đơn vị A đã có trong hệ thống." in result.stderr
    assert counts(app) == before


def test_units_may_hang_under_existing_units(app, runner, tmp_path, world):
    path = write(tmp_path, "units.csv",
                 "code,name,parent_code,kind\nA2,Phòng 2,A,division\nA21,Tổ,A2,other\n")
    assert runner.invoke(args=["org", "import-units", path]).exit_code == 0
    with app.app_context():
        a21 = db.session.scalar(select(Unit).where(Unit.code == "A21"))
        assert a21.path.startswith(db.session.get(Unit, world.units["A"]).path)


BAD_STAFF = STAFF_HEADER + (
    "N1,Nguyễn Văn Một,A1,cong_chuc,Chuyên viên,0,0,mot@example.gov.vn,2020-01-01\n"
    "N2,Trần Thị Hai,NOUNIT,cong_chuc,Chuyên viên,0,0,,2020-01-01\n"
    "N3,Lê Văn Ba,A1,soldier,Chuyên viên,0,0,,2020-01-01\n"
    "N4,Phạm Thị Bốn,A1,vien_chuc,Chuyên viên,2,0,,2020-01-01\n"
    "N5,Hoàng Văn Năm,A1,vien_chuc,Chuyên viên,0,0,,2020-02-30\n"
    "N1,Võ Thị Sáu,A1,vien_chuc,Chuyên viên,0,0,,2020-01-01\n"
    "S1,Đặng Văn Bảy,A1,vien_chuc,Chuyên viên,0,0,khong-phai-email,01/02/2020\n"
)


def test_a_bad_staff_file_imports_nothing_and_lists_every_bad_row(app, runner, tmp_path, world):
    before = counts(app)
    result = runner.invoke(args=["org", "import-staff", write(tmp_path, "staff.csv", BAD_STAFF)])
    assert result.exit_code == 1
    err = result.stderr
    assert ":3: Không có đơn vị mã NOUNIT." in err
    assert ":4: Ngạch/loại cán bộ \"soldier\" không hợp lệ" in err
    assert ":5: is_head phải là 0 hoặc 1." in err
    assert ":6: Ngày bắt đầu \"2020-02-30\" không phải ngày có thật." in err
    assert ":7: Mã cán bộ N1 trùng với dòng 2." in err
    assert ":8: Mã cán bộ S1 đã có trong hệ thống." in err
    assert ":8: Thư điện tử \"khong-phai-email\" không hợp lệ." in err
    assert ":8: Ngày bắt đầu \"01/02/2020\" không phải ngày dạng YYYY-MM-DD." in err
    assert ":2:" not in err
    assert "7 lỗi" in err or "8 lỗi" in err
    assert counts(app) == before


def test_a_bad_discipline_file_imports_nothing(app, runner, tmp_path, world):
    before = counts(app)
    content = ("staff_code,decision_date,form\nS1,2025-01-10,khien_trach\nNOBODY,2025-01-10,canh_cao\n"
               "S2,2025-01-10,scolding\nS1,2025-01-10,khien_trach\n")
    result = runner.invoke(args=["org", "import-discipline", write(tmp_path, "d.csv", content)])
    assert result.exit_code == 1
    assert ":3: Không có cán bộ mã NOBODY." in result.stderr
    assert ":4: Hình thức kỷ luật \"scolding\" không hợp lệ" in result.stderr
    assert ":5: Trùng với dòng 2." in result.stderr
    assert counts(app) == before


def _upload(client, kind, content, filename="data.csv"):
    return client.post("/org/import", data={"kind": kind, "file": (io.BytesIO(content.encode()), filename)},
                       content_type="multipart/form-data")


def test_upload_page_lists_bad_rows_and_writes_nothing(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    before = counts(app)
    response = _upload(client, "staff", BAD_STAFF)
    assert response.status_code == 400
    assert "Tệp bị từ chối" in response.text
    assert "Không có đơn vị mã NOUNIT." in response.text
    assert '<td class="num">8</td>' in response.text
    assert counts(app) == before


def test_upload_page_imports_a_good_file(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    content = STAFF_HEADER + "N9,Ngô Thị Chín,A1,cong_chuc,Chuyên viên,0,1,chin@example.gov.vn,2021-05-01\n"
    response = _upload(client, "staff", content)
    assert response.status_code == 302
    assert "Đã nhập 1 dòng." in client.get(response.headers["Location"]).text
    with app.app_context():
        assert db.session.scalar(select(Staff).where(Staff.code == "N9")).front_desk is True


def test_upload_page_refuses_a_non_csv_file(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    response = _upload(client, "units", "MZ\x90\x00binary", filename="virus.exe")
    assert response.status_code == 400
    assert "Chỉ nhận tệp .csv." in response.text


def test_upload_page_keeps_an_hr_admin_inside_their_scope(app, client, auth, world):
    with app.app_context():
        from tests import factories

        scoped = factories.create_user([("hr_admin", "A")], username="hr_a").id
    auth.login_user(scoped)
    before = counts(app)
    response = _upload(client, "staff", STAFF_HEADER + "N9,Ngô Thị Chín,B,cong_chuc,CV,0,0,,2021-05-01\n")
    assert "Đơn vị B nằm ngoài phạm vi bạn được giao." in response.text
    response = _upload(client, "units", "code,name,parent_code,kind\nTOP,Mới,,other\nB9,Mới,B,division\n")
    assert "Chỉ quản trị hệ thống được tạo đơn vị cấp cao nhất." in response.text
    assert "Đơn vị cấp trên B nằm ngoài phạm vi bạn được giao." in response.text
    response = _upload(client, "discipline", "staff_code,decision_date,form\nS2,2025-01-10,canh_cao\n")
    assert "Cán bộ S2 nằm ngoài phạm vi bạn được giao." in response.text
    assert counts(app) == before


def test_upload_larger_than_the_limit_gets_413(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = _upload(client, "units", big)
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.text


def test_decomposed_vietnamese_is_stored_composed_and_codes_match(app, runner, tmp_path, world):
    nfd = unicodedata.normalize("NFD", "Phòng Hương Sơn")
    path = write(tmp_path, "units.csv", f"code,name,parent_code,kind\nHS,{nfd},A,division\n")
    result = runner.invoke(args=["org", "import-units", path])
    assert result.exit_code == 0, result.stderr
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == "HS"))
        assert unit.name == "Phòng Hương Sơn"  # NFC


def test_a_control_character_in_a_cell_is_refused(app, runner, tmp_path):
    path = write(tmp_path, "units.csv", "code,name,parent_code,kind\nX,Một\x00,,other\n")
    result = runner.invoke(args=["org", "import-units", path])
    assert result.exit_code == 1
    assert ":2: Có ký tự điều khiển" in result.stderr
    assert counts(app) == (0, 0, 0, 0)
