"""clean_image: only JPEG, PNG and WebP we can decode; upright, shrunk, and without metadata."""
import io

import pytest
from PIL import Image, ImageCms

from conseils_site.images import MAX_PIXELS, clean_image, image_size
from conseils_site.uploads import UploadError

GPS = {1: "N", 2: (45.0, 26.0, 0.0), 3: "E", 4: (4.0, 23.0, 0.0)}


def encode(image, fmt, **params):
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def phone_exif(orientation=None):
    exif = Image.Exif()
    exif[0x010F] = "Marque"
    exif[0x0110] = "Modèle"
    exif[0x8825] = GPS
    if orientation:
        exif[0x0112] = orientation
    return exif.tobytes()


def srgb_profile():
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def reopen(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_bare(image):
    assert not image.getexif()
    for key in ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "dpi", "Comment"):
        assert key not in image.info, key


def test_jpeg_is_turned_upright_shrunk_and_stripped():
    # Stored as the sensor saw it (landscape) with "rotate 90°": the picture is a portrait.
    source = Image.new("RGB", (4000, 3000), (200, 30, 30))
    data = encode(source, "JPEG", exif=phone_exif(orientation=6), comment=b"secret",
                  icc_profile=srgb_profile(), dpi=(300, 300))
    assert b"secret" in data and b"Marque" in data
    out, kind = clean_image(data)
    assert kind == "jpeg"
    image = reopen(out)
    assert image.format == "JPEG" and image.size == (1200, 1600)
    assert_bare(image)
    assert b"secret" not in out and b"Marque" not in out and b"Exif" not in out


def test_max_side_and_no_enlargement():
    data = encode(Image.new("RGB", (900, 3000), "white"), "JPEG")
    assert reopen(clean_image(data, max_side=1000)[0]).size == (300, 1000)
    small = encode(Image.new("RGB", (120, 80), "white"), "JPEG")
    assert reopen(clean_image(small)[0]).size == (120, 80)
    assert image_size(clean_image(small)[0]) == (120, 80)


def test_png_keeps_its_transparency_and_loses_its_text():
    source = Image.new("RGBA", (2000, 1000), (0, 0, 0, 0))
    source.paste((10, 200, 10, 255), (0, 0, 1000, 1000))
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "adresse du photographe")
    data = encode(source, "PNG", pnginfo=info, exif=phone_exif(), icc_profile=srgb_profile())
    out, kind = clean_image(data)
    image = reopen(out)
    assert kind == "png" and image.mode == "RGBA" and image.size == (1600, 800)
    assert image.getpixel((1500, 400))[3] == 0 and image.getpixel((100, 400))[3] == 255
    assert_bare(image)
    assert b"photographe" not in out


def test_palette_png_with_a_transparent_colour_stays_transparent():
    source = Image.new("P", (50, 50), 0)
    source.putpalette([255, 255, 255, 255, 0, 0] + [0] * 762)
    source.paste(1, (0, 0, 25, 50))
    out, kind = clean_image(encode(source, "PNG", transparency=0))
    image = reopen(out)
    assert kind == "png" and image.mode == "RGBA"
    assert image.getpixel((40, 10))[3] == 0 and image.getpixel((10, 10)) == (255, 0, 0, 255)


def test_webp_keeps_alpha_and_loses_exif():
    source = Image.new("RGBA", (3200, 1600), (0, 0, 255, 100))
    out, kind = clean_image(encode(source, "WEBP", exif=phone_exif(), icc_profile=srgb_profile()))
    image = reopen(out)
    assert kind == "webp" and image.format == "WEBP" and image.mode == "RGBA"
    assert image.size == (1600, 800) and 80 < image.getpixel((5, 5))[3] < 120
    assert_bare(image)


def test_cmyk_and_grey_jpegs_come_out_for_every_browser():
    out, _ = clean_image(encode(Image.new("CMYK", (40, 40), (0, 0, 0, 0)), "JPEG"))
    assert reopen(out).mode == "RGB"
    out, _ = clean_image(encode(Image.new("L", (40, 40), 128), "JPEG"))
    assert reopen(out).mode == "L"


@pytest.mark.parametrize("data", [
    b"",
    b"%PDF-1.4\n%%EOF\n",
    b"just some text",
    encode(Image.new("RGB", (20, 20)), "GIF"),
    encode(Image.new("RGB", (20, 20)), "BMP"),
    encode(Image.new("RGB", (20, 20)), "TIFF"),
], ids=["empty", "pdf", "text", "gif", "bmp", "tiff"])
def test_other_types_are_refused(data):
    with pytest.raises(UploadError, match="n'est pas une image JPEG, PNG ou WebP"):
        clean_image(data)


def test_broken_images_are_refused():
    good = encode(Image.effect_noise((400, 400), 60).convert("RGB"), "JPEG")
    for data in (good[: len(good) // 2], b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
                 b"\xff\xd8\xff\xe0" + b"garbage" * 50, b"RIFF\x00\x00\x00\x00WEBPVP8 junk"):
        with pytest.raises(UploadError, match="abîmée ou illisible"):
            clean_image(data)


@pytest.mark.parametrize("side", [7000, 12000])
def test_decompression_bombs_are_refused(side):
    # A few kilobytes that would decode to 49 or 144 million pixels.
    data = encode(Image.new("1", (side, side)), "PNG")
    assert len(data) < 100_000 and side * side > MAX_PIXELS
    with pytest.raises(UploadError, match="trop de pixels"):
        clean_image(data)


def test_the_first_picture_of_an_animation_is_kept():
    frames = [Image.new("RGB", (30, 30), color) for color in ("red", "blue")]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    out, kind = clean_image(data)
    image = reopen(out)
    assert kind == "webp" and getattr(image, "n_frames", 1) == 1
    assert image.getpixel((15, 15))[0] > 200
