"""Checking, cleaning and resizing story photos.

Stories may concern people at risk, so a photo must never reveal where or when it was taken: every upload is
decoded and re-encoded from its pixels alone, which drops EXIF (GPS included), XMP, IPTC, ICC and comments.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from stories import faces

# iPhones save photos as HEIC: Pillow reads them through pillow-heif (format "HEIF"). libheif applies the
# photo's rotation itself and pillow-heif then sets the EXIF orientation to 1, so nothing turns twice.
register_heif_opener(thumbnails=False)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
RENDITION_WIDTHS = (480, 960, 1600)

# Pillow's own guard, for any image we open: a warning above this, an error above twice this.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Format Pillow recognised -> (format we write, file extension)
# MPO is how Pillow names a JPEG carrying a second picture (phones add a preview or a gain map): only the
# first picture is kept.
ACCEPTED_FORMATS = {
    "JPEG": ("JPEG", "jpg"),
    "MPO": ("JPEG", "jpg"),
    "PNG": ("PNG", "png"),
    "WEBP": ("WEBP", "webp"),
    # Browsers do not show HEIC: kept as JPEG, like every other photo without its metadata.
    "HEIF": ("JPEG", "jpg"),
}

# What a file's first bytes say it is, to tell a damaged photo of a known type from a file of another type.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
_SIGNATURES = (
    ("JPEG", lambda head: head.startswith(b"\xff\xd8\xff")),
    ("PNG", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ("WebP", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    ("HEIC", lambda head: head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS),
)


@dataclass(frozen=True)
class CleanImage:
    content: ContentFile
    width: int
    height: int


def clean_upload(upload) -> CleanImage:
    """Check an uploaded file and return it re-encoded without any metadata, or raise ValidationError."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("This file is %(size)s MB; photos can be at most 20 MB."),
            code="file_too_large",
            params={"size": f"{size / 1024 / 1024:.1f}"},
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            fmt = image.format
            if fmt not in ACCEPTED_FORMATS:
                raise _unsupported()
            if image.width * image.height > MAX_PIXELS:
                raise _too_many_pixels(image.width, image.height)
            image.load()  # decode everything now: a truncated or corrupt file fails here, not later
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels() from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, RuntimeError) as error:
        # Pillow says "cannot identify" for a truncated HEIC as for a text file: the first bytes tell which.
        upload.seek(0)
        kind = _kind_from_signature(upload.read(16))
        if kind is None:
            raise _unsupported() from error
        raise ValidationError(
            _("This %(kind)s photo is damaged or incomplete; try exporting it again."),
            code="damaged_image",
            params={"kind": kind},
        ) from error

    image = ImageOps.exif_transpose(image)  # apply the camera's orientation before the EXIF goes
    out_format, extension = ACCEPTED_FORMATS[fmt]
    content = ContentFile(_encode(image, out_format), name=f"image.{extension}")
    return CleanImage(content=content, width=image.width, height=image.height)


def _unsupported() -> ValidationError:
    return ValidationError(_("This file is not a JPEG, PNG, WebP or HEIC photo."), code="unsupported_type")


def _kind_from_signature(head: bytes) -> str | None:
    return next((kind for kind, matches in _SIGNATURES if matches(head)), None)


def _too_many_pixels(width: int | None = None, height: int | None = None) -> ValidationError:
    if width and height:
        return ValidationError(
            _("This image is %(width)s by %(height)s pixels; photos can have at most 40 megapixels."),
            code="too_many_pixels",
            params={"width": width, "height": height},
        )
    return ValidationError(
        _("This image has too many pixels; at most 40 megapixels."), code="too_many_pixels"
    )


def _pixels_only(image: Image.Image) -> Image.Image:
    """A copy that carries pixels and nothing else: no info dictionary, no EXIF, no ICC profile."""
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def _encode(image: Image.Image, fmt: str) -> bytes:
    image = _pixels_only(image)
    buffer = io.BytesIO()
    if fmt == "JPEG":
        if image.mode != "RGB":
            image = image.convert("RGB")
        image.save(buffer, "JPEG", quality=90, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=85, method=4)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def make_renditions(
    source, widths: tuple[int, ...] = RENDITION_WIDTHS, blur: Sequence[dict] = ()
) -> dict[int, dict[str, bytes | int]]:
    """Resized copies of a (clean) image at each width it can fill, as WebP and JPEG bytes.

    A small image gets one rendition at its own width, so every photo has at least one. `blur` lists face
    boxes in the original's pixels: each is blurred (stories/faces.py) before any resizing, so it is burnt
    into every rendition, whatever its width or format; the original is left as it is.
    """
    with Image.open(source) as opened:
        original_width = opened.width
        if opened.format in ("JPEG", "MPO"):
            # Decode a large JPEG at a reduced scale straight away (never below the widest rendition):
            # far less work than decoding every pixel and throwing most of them away.
            widest = max(widths)
            opened.draft("RGB", (widest, max(1, opened.height * widest // max(1, opened.width))))
        image = _pixels_only(opened)
    if blur:
        image = faces.blur_boxes(image, faces.scaled_boxes(blur, image.width / max(1, original_width)))
    usable = [width for width in widths if width <= image.width] or [image.width]
    result: dict[int, dict[str, bytes | int]] = {}
    source_image = image
    for width in sorted(usable, reverse=True):
        height = max(1, round(image.height * width / image.width))
        # Each rendition from the next larger one: the same quality with LANCZOS, fewer pixels to read.
        resized = (
            source_image.resize((width, height), Image.Resampling.LANCZOS)
            if width != source_image.width
            else source_image
        )
        source_image = resized
        flat = resized.convert("RGB") if resized.mode != "RGB" else resized
        webp, jpeg = io.BytesIO(), io.BytesIO()
        # WebP effort 2 of 6: half the encoding time of the default 4, for files about 5% larger.
        resized.save(webp, "WEBP", quality=80, method=2)
        flat.save(jpeg, "JPEG", quality=82, optimize=True, progressive=True)
        result[width] = {"webp": webp.getvalue(), "jpeg": jpeg.getvalue(), "height": height}
    return result
