"""Checking and cleaning uploaded photos: type by content, size and pixel limits, no metadata left."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from stories import images
from tests.stories import imagefiles

pytestmark = pytest.mark.django_db

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.49N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def camera_exif() -> Image.Exif:
    """What a phone writes: its make, where the photo was taken, and that it must be turned to be upright."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to display
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 29.38)
    return exif


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def photo_with_metadata(fmt: str, width: int = 400, height: int = 300) -> SimpleUploadedFile:
    image = Image.new("RGB", (width, height), (200, 60, 40))
    image.paste((30, 90, 160), (0, 0, width // 2, height // 4))  # a mark, to see the orientation applied
    buffer = io.BytesIO()
    if fmt == "PNG":
        info = PngInfo()
        info.add_text("Location", "GPS 48.86N 2.29E")
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        image.save(buffer, "PNG", pnginfo=info, exif=camera_exif(), icc_profile=srgb_profile())
    else:
        image.save(buffer, fmt, exif=camera_exif(), icc_profile=srgb_profile(), xmp=XMP)
    data = buffer.getvalue()
    assert b"SecretCam" in data  # the test file really carries what must go
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[fmt]
    return SimpleUploadedFile(f"photo.{extension}", data, content_type=f"image/{extension}")


def code_of(upload) -> str:
    with pytest.raises(ValidationError) as error:
        images.clean_upload(upload)
    return error.value.code


@pytest.mark.parametrize(("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_jpeg_png_and_webp_are_accepted_and_keep_their_type(fmt, extension):
    cleaned = images.clean_upload(photo_with_metadata(fmt))

    assert cleaned.content.name == f"image.{extension}"
    with Image.open(io.BytesIO(cleaned.content.read())) as image:
        assert image.format == fmt


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_the_cameras_orientation_is_applied(fmt):
    cleaned = images.clean_upload(photo_with_metadata(fmt, width=400, height=300))

    assert (cleaned.width, cleaned.height) == (300, 400)
    cleaned.content.seek(0)
    with Image.open(cleaned.content) as image:
        assert image.size == (300, 400)
        # The mark in the top-left quarter is now at the top right, where a clockwise turn puts it.
        red, _green, blue = image.convert("RGB").getpixel((290, 10))
        assert blue > 120 and red < 80


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_all_metadata_is_removed(fmt):
    cleaned = images.clean_upload(photo_with_metadata(fmt))

    data = cleaned.content.read()
    imagefiles.assert_no_metadata(data)
    with Image.open(io.BytesIO(data)) as image:
        assert "xmp" not in image.info
        assert "Location" not in image.info
    assert b"XML:com.adobe.xmp" not in data


def test_the_gps_photo_of_the_fixtures_is_cleaned():
    cleaned = images.clean_upload(imagefiles.jpeg_with_gps())

    imagefiles.assert_no_metadata(cleaned.content.read())
    assert (cleaned.width, cleaned.height) == (600, 800)


def test_a_jpeg_named_png_is_taken_for_what_it_is():
    upload = imagefiles.jpeg_with_gps(name="photo.png")

    cleaned = images.clean_upload(upload)

    assert cleaned.content.name == "image.jpg"


def test_a_phone_jpeg_with_a_second_picture_inside_is_accepted():
    # Many phones write JPEGs with the Multi-Picture extension (a preview or an HDR gain map after the main
    # picture). Such a file is a JPEG by its content; Pillow calls the format "MPO".
    main = Image.new("RGB", (400, 300), (200, 60, 40))
    buffer = io.BytesIO()
    main.save(buffer, "MPO", save_all=True, append_images=[Image.new("RGB", (200, 150), (0, 0, 0))])
    upload = SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue(), content_type="image/jpeg")

    cleaned = images.clean_upload(upload)

    assert cleaned.content.name == "image.jpg"
    assert (cleaned.width, cleaned.height) == (400, 300)
    data = cleaned.content.read()
    imagefiles.assert_no_metadata(data)
    assert b"MPF" not in data  # the hidden second picture is gone too


def test_a_file_over_20_mb_is_refused():
    data = imagefiles.jpeg_with_gps().read()
    upload = SimpleUploadedFile("big.jpg", data + b"\0" * (images.MAX_UPLOAD_BYTES + 1 - len(data)))
    assert upload.size == 20 * 1024 * 1024 + 1

    assert code_of(upload) == "file_too_large"


def test_a_file_of_exactly_20_mb_is_not_refused_for_its_size():
    data = imagefiles.jpeg_with_gps().read()
    upload = SimpleUploadedFile("big.jpg", data + b"\0" * (images.MAX_UPLOAD_BYTES - len(data)))

    cleaned = images.clean_upload(upload)  # trailing bytes after the JPEG's end are ignored

    assert cleaned.width == 600


def test_a_real_image_over_40_megapixels_is_refused():
    buffer = io.BytesIO()
    Image.new("L", (8000, 6000)).save(buffer, "PNG", compress_level=1)  # 48 megapixels
    upload = SimpleUploadedFile("huge.png", buffer.getvalue(), content_type="image/png")

    assert code_of(upload) == "too_many_pixels"


def test_a_header_claiming_49_megapixels_is_refused():
    assert code_of(imagefiles.png_bomb(width=7000, height=7000)) == "too_many_pixels"


def test_a_png_decompression_bomb_is_refused():
    assert code_of(imagefiles.png_bomb()) == "too_many_pixels"


def test_a_text_file_renamed_jpg_is_refused():
    assert code_of(imagefiles.renamed_text()) == "unsupported_type"


def test_an_svg_is_refused():
    assert code_of(imagefiles.svg()) == "unsupported_type"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(buffer, fmt)
    upload = SimpleUploadedFile(f"image.{fmt.lower()}", buffer.getvalue())

    assert code_of(upload) == "unsupported_type"


@pytest.mark.parametrize("progressive", [False, True])
def test_a_truncated_jpeg_is_refused_as_damaged(progressive):
    buffer = io.BytesIO()
    image = Image.effect_noise((640, 480), 80).convert("RGB")
    image.save(buffer, "JPEG", quality=90, progressive=progressive)
    data = buffer.getvalue()
    upload = SimpleUploadedFile("cut.jpg", data[: len(data) // 2], content_type="image/jpeg")

    with pytest.raises(ValidationError) as error:
        images.clean_upload(upload)

    assert error.value.code == "damaged_image"
    assert error.value.messages == ["This JPEG photo is damaged or incomplete; try exporting it again."]


def test_an_empty_file_is_refused():
    assert code_of(SimpleUploadedFile("empty.jpg", b"")) == "unsupported_type"


# ---------------------------------------------------------------------------------------------------------
# iPhone photos (HEIC)


def test_a_heic_photo_is_accepted_and_kept_as_a_jpeg():
    cleaned = images.clean_upload(imagefiles.heic_with_gps(width=800, height=600))

    assert cleaned.content.name == "image.jpg"
    assert (cleaned.width, cleaned.height) == (800, 600)
    with Image.open(io.BytesIO(cleaned.content.read())) as image:
        assert image.format == "JPEG"
        assert image.size == (800, 600)
        red, _green, blue = image.convert("RGB").getpixel((10, 10))  # the stripes survived re-encoding
        assert blue > 120 and red < 80


def test_no_exif_or_gps_of_a_heic_photo_survives():
    upload = imagefiles.heic_with_gps()
    with Image.open(upload) as original:  # the test file does carry them
        assert original.getexif()[ExifTags.Base.Make] == "SecretCam"
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    data = images.clean_upload(upload).content.read()

    imagefiles.assert_no_metadata(data)
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_a_heic_photo_over_the_pixel_limit_is_refused(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 100_000)

    assert code_of(imagefiles.heic_with_gps(width=400, height=300)) == "too_many_pixels"


def test_a_heic_photo_over_the_size_limit_is_refused(monkeypatch):
    upload = imagefiles.heic_with_gps()
    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", upload.size - 1)

    assert code_of(upload) == "file_too_large"


def test_a_truncated_heic_photo_is_refused_as_a_damaged_heic():
    data = imagefiles.heic_with_gps().read()
    upload = SimpleUploadedFile("IMG_0002.HEIC", data[: len(data) // 2], content_type="image/heic")

    with pytest.raises(ValidationError) as error:
        images.clean_upload(upload)

    assert error.value.code == "damaged_image"
    assert error.value.messages == ["This HEIC photo is damaged or incomplete; try exporting it again."]


def test_a_file_of_unknown_type_named_heic_is_refused_as_unknown():
    upload = SimpleUploadedFile("IMG_0003.HEIC", b"Not a photo at all.\n" * 50, content_type="image/heic")

    with pytest.raises(ValidationError) as error:
        images.clean_upload(upload)

    assert error.value.code == "unsupported_type"
    assert error.value.messages == ["This file is not a JPEG, PNG, WebP or HEIC photo."]
