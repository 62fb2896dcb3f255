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


def _fold_whole(value):
    """fold as first written: the whole text at once (the reference for the word-wise fold)."""
    decomposed = unicodedata.normalize("NFKD", value.translate(str.maketrans({"đ": "d", "Đ": "d"})))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def test_folding_word_by_word_equals_folding_the_whole_text():
    samples = ["Đặng Thị Hương", "NV-00123 Nguyễn Văn An", "ABC def", "  two  spaces ", "",
               unicodedata.normalize("NFD", "Lê Thị Ánh Tuyết"), "a \u0301b \u0323\u0301c", "İstanbul ẞtraße",
               "ﬁle ①  Ⅻ", "\u00a8 \u0308 x", "ǅemal Σίσυφος", "tab\there", "x\u00a0y Ω Å"]
    for value in samples:
        assert fold(value) == _fold_whole(value), value


def test_the_search_key_folds_code_and_name_as_one_text():
    from app.org.models import search_key

    for code, name in (("NV001", "Đặng Thị Hương"), ("Mã-Đ1", "  Lê  Ánh "), ("x" * 300, "Ông Ba"), ("", "")):
        assert search_key(code, name) == _fold_whole(f"{code} {name}")[:320]
