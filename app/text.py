"""Text as people mean it: one Unicode form (NFC) for everything stored or compared, a folded
form for accent-insensitive search ("huong" finds "Hương"), and the check that refuses control
characters (NUL and friends) before they reach the database."""
import re
import unicodedata
from functools import lru_cache

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FOLD = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(value: str) -> str:
    """The composed form: "Hương" typed on a keyboard and imported from a file compare equal."""
    return unicodedata.normalize("NFC", value)


def fold(value: str) -> str:
    """Lower case without accents ("Đặng Thị Hương" → "dang thi huong"), for search columns.

    ASCII only needs lower case; other text is folded word by word (a space stops any
    reordering of accents, so the words fold independently), each distinct word once: a
    province's names share a few thousand words, and an import folds 200,000 names."""
    if value.isascii():
        return value.lower()
    return " ".join(map(_fold_word, value.split(" ")))


@lru_cache(maxsize=1 << 16)
def _fold_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def has_control(value: str) -> bool:
    """True when the text holds a control character other than tab, line feed and carriage return."""
    return bool(CONTROL.search(value))
