import unicodedata

from app.text import fold, has_control, nfc


def test_nfc_composes_decomposed_vietnamese():
    decomposed = unicodedata.normalize("NFD", "Hương")
    assert decomposed != "Hương"
    assert nfc(decomposed) == "Hương"


def test_fold_removes_accents_and_d_stroke():
    assert fold("Đặng Thị Hương") == "dang thi huong"
    assert fold(unicodedata.normalize("NFD", "Hương")) == "huong"


def test_control_characters_are_recognised():
    assert has_control("a\x00b")
    assert has_control("\x1b[31m")
    assert not has_control("dòng 1\ndòng 2\tcột")
