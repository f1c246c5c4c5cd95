"""Image files made on the spot for upload tests: no photo of anyone, nothing downloaded."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image
from pillow_heif import register_heif_opener

register_heif_opener()  # so that Pillow can write HEIC here, whatever the code under test registers

GPS_LATITUDE = ((48, 1), (51, 1), (2938, 100))


def jpeg_with_gps(width: int = 800, height: int = 600, name: str = "holiday.jpg") -> SimpleUploadedFile:
    """A JPEG whose EXIF says where it was taken, by which camera, and that it must be rotated."""
    image = Image.new("RGB", (width, height), (200, 60, 40))
    for x in range(0, width, 40):
        image.paste((30, 90, 160), (x, 0, x + 20, height // 3))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.Model] = "Model X"
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to display
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 29.38)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 17.0, 40.2)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def heic_with_gps(width: int = 800, height: int = 600, name: str = "IMG_0001.HEIC") -> SimpleUploadedFile:
    """An iPhone-style HEIC, written here by pillow-heif, whose EXIF names the camera and the place."""
    image = Image.new("RGB", (width, height), (200, 60, 40))
    for x in range(0, width, 40):
        image.paste((30, 90, 160), (x, 0, x + 20, height // 3))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.Model] = "Model X"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 29.38)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 17.0, 40.2)
    buffer = io.BytesIO()
    image.save(buffer, "HEIF", exif=exif, quality=80)
    data = buffer.getvalue()
    assert data[4:12] == b"ftypheic" and b"SecretCam" in data  # really a HEIC, really carrying what must go
    return SimpleUploadedFile(name, data, content_type="image/heic")


def png(width: int = 640, height: int = 480, name: str = "chart.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (20, 120, 60, 255)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def png_bomb(width: int = 100_000, height: int = 100_000, name: str = "bomb.png") -> SimpleUploadedFile:
    """A tiny PNG that claims 10 gigapixels: only its header is valid, which is all a decoder reads first."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\x00" * (width * 3)
    data = zlib.compress(row * 8, 9)  # a few rows are enough to look real; the decoder never gets there
    content = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    return SimpleUploadedFile(name, content, content_type="image/png")


def renamed_text(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"This is not a photo at all.\n" * 50, content_type="image/jpeg")


def svg(name: str = "logo.svg") -> SimpleUploadedFile:
    content = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="10"/></svg>'
    return SimpleUploadedFile(name, content, content_type="image/svg+xml")


def assert_no_metadata(data: bytes) -> None:
    """No EXIF, GPS, XMP or camera name anywhere in the file's bytes or in what Pillow reads from it."""
    assert b"Exif" not in data
    assert b"SecretCam" not in data
    assert b"GPS" not in data
    assert b"<x:xmpmeta" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert len(image.getexif()) == 0
        assert "exif" not in image.info
        assert "icc_profile" not in image.info
