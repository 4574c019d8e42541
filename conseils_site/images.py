"""Pictures people upload (a council's neighbourhood, action-report photos), made safe to publish.

A phone photo carries where and when it was taken, the phone's model and sometimes a thumbnail of
the uncropped picture: we keep only the pixels. The type is decided from the bytes; the picture
is decoded once by Pillow (so a broken or hostile file is refused here, not in a visitor's
browser), turned upright, shrunk for the page and encoded again without any metadata."""
import io
import warnings

from PIL import Image, ImageCms, ImageOps

from .resources.files import sniff
from .uploads import UploadError

ACCEPTED_KINDS = ("jpeg", "png", "webp")
# Pillow's plugin names for each kind (cameras write some JPEGs as multi-picture "MPO" files).
_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp"}
_DECODERS = ["JPEG", "PNG", "WEBP"]  # no other Pillow decoder ever sees the bytes
# 40 megapixels covers today's phones; above, a small file may decode to gigabytes of memory.
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
JPEG_QUALITY = 85
WEBP_QUALITY = 85

NOT_AN_IMAGE = ("Ce fichier n'est pas une image JPEG, PNG ou WebP : choisissez une photo dans "
                "l'un de ces formats.")
UNREADABLE = ("Cette image est abîmée ou illisible : essayez avec une autre photo, ou "
              "enregistrez-la à nouveau depuis votre téléphone ou votre ordinateur.")
TOO_MANY_PIXELS = (f"Cette image compte trop de pixels ({MAX_PIXELS // 10**6} millions au plus) : "
                   "réduisez sa taille, puis envoyez-la à nouveau.")


def clean_image(data, max_side=1600):
    """(bytes, file_type) of the picture re-encoded upright, without metadata, its longest side at
    most `max_side`; UploadError (in French) when it is not a JPEG, PNG or WebP we can read."""
    file_type = sniff(data or b"")
    if file_type not in ACCEPTED_KINDS:
        raise UploadError(NOT_AN_IMAGE)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse those too. (The
            # filter is process-wide; a race between threads can at worst leave it on.)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_DECODERS)
            if _FORMATS.get(image.format) != file_type:
                raise UploadError(NOT_AN_IMAGE)
            _check_pixels(image.size)
            image.seek(0)  # an animation keeps its first picture
            if file_type == "jpeg":
                # libjpeg can decode at 1/2, 1/4 or 1/8 scale: far less memory for big photos.
                image.draft(image.mode, _draft_size(image.size, max_side))
            image.load()
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadError(TOO_MANY_PIXELS) from None
    except Exception:  # untrusted bytes: any decoder failure means "unreadable"
        raise UploadError(UNREADABLE) from None
    try:
        image = _upright(image)
        image = _to_srgb(image)
        image = _output_mode(image, file_type)
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return _encode(image, file_type), file_type
    except Exception:
        raise UploadError(UNREADABLE) from None


def image_size(data):
    """(width, height) of an image cleaned by `clean_image`, read from its header only."""
    with Image.open(io.BytesIO(data), formats=_DECODERS) as image:
        return image.size


def _check_pixels(size):
    width, height = size
    if width * height > MAX_PIXELS:  # also when something reset Pillow's own limit
        raise UploadError(TOO_MANY_PIXELS)


def _draft_size(size, max_side):
    """The smallest size worth decoding: the picture's shape with its longest side at max_side."""
    width, height = size
    longest = max(width, height, 1)
    if longest <= max_side:
        return size
    return max(1, width * max_side // longest), max(1, height * max_side // longest)


def _upright(image):
    """Phones store the picture as the sensor saw it and say in EXIF how to turn it."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a damaged EXIF block: the picture itself is still good
        return image


def _has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _to_srgb(image):
    """Colours described by an embedded profile (iPhones shoot in Display P3) are converted to
    sRGB, the colours every browser assumes once the profile is dropped."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        output = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                         outputMode=output)
    except Exception:  # an unusable profile: keep the pixels as they are
        return image


def _output_mode(image, file_type):
    if file_type == "jpeg":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if _has_alpha(image):
        return image if image.mode == "RGBA" else image.convert("RGBA")
    if file_type == "png" and image.mode == "L":
        return image
    return image if image.mode == "RGB" else image.convert("RGB")


def _encode(image, file_type):
    # A fresh image holds the pixels and nothing else: no EXIF, GPS, XMP, ICC, comment or DPI.
    bare = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    if file_type == "jpeg":
        bare.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif file_type == "png":
        bare.save(out, "PNG", optimize=bare.width * bare.height <= 1_000_000)
    else:
        bare.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()
