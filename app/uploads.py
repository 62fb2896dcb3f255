"""Uploaded files (inspection photos, task evidence): the type recognised from the content, never
from the name or the declared type; images decoded and re-encoded (what was appended to them, and
their EXIF data with the camera's location, is gone; what does not decode is refused; pixel
dimensions are capped); kept outside the web root under a random name."""
import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import DomainError

IMAGES = {"image/jpeg": "jpg", "image/png": "png"}
DOCUMENTS = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
EXTENSIONS = {**IMAGES, **DOCUMENTS}
SIGNATURES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n", "application/pdf": b"%PDF-"}
# An Office Open XML file is a zip archive holding this part.
OFFICE_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "word/document.xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xl/workbook.xml",
}


def content_type_of(data: bytes) -> str | None:
    """The real type of a file from its bytes (JPEG, PNG, PDF, DOCX, XLSX), or None."""
    for content_type, signature in SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "[Content_Types].xml" in names:
            for content_type, part in OFFICE_PARTS.items():
                if part in names:
                    return content_type
    return None


def size_limit_mb(data: bytes) -> int | None:
    """The limit in MB when the file is over it, else None."""
    limit = current_app.config["CONDUCT_PHOTO_MAX_BYTES"]
    return limit // (1024 * 1024) if len(data) > limit else None


PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}


def clean_image(data: bytes, content_type: str) -> bytes:
    """The image decoded and encoded again in its own format: only pixels survive (no appended
    bytes, no EXIF, no comment). DomainError when it does not decode as that format or is larger
    than UPLOAD_MAX_PIXELS."""
    max_pixels = current_app.config["UPLOAD_MAX_PIXELS"]
    unreadable = DomainError(_("Ảnh không đọc được (tệp hỏng hoặc không phải ảnh JPEG/PNG)."))
    try:
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[content_type]]) as opened:
            width, height = opened.size
            if width * height > max_pixels:
                raise DomainError(_("Ảnh quá lớn: tối đa %(mp)d triệu điểm ảnh.", mp=max_pixels // 1_000_000))
            opened.load()
            image: Image.Image = ImageOps.exif_transpose(opened)  # the right way up, without the EXIF
            out = io.BytesIO()
            if content_type == "image/jpeg":
                image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
            else:
                if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                    image = image.convert("RGBA")
                image.save(out, "PNG", optimize=True)
    except DomainError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        raise unreadable from None
    return out.getvalue()


@dataclass(frozen=True)
class Saved:
    filename: str
    size: int
    sha256: str


def folder(kind: str) -> Path:
    """instance/uploads/<kind>/, created when missing (back it up with the database)."""
    path = Path(current_app.instance_path) / "uploads" / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(data: bytes, kind: str, content_type: str) -> Saved:
    """Write a checked file under a random name (an image as re-encoded by clean_image); the
    caller records it in its transaction."""
    if content_type in IMAGES:
        data = clean_image(data, content_type)
    filename = f"{secrets.token_hex(16)}.{EXTENSIONS[content_type]}"
    (folder(kind) / filename).write_bytes(data)
    return Saved(filename, len(data), hashlib.sha256(data).hexdigest())
