"""Uploaded images: real raster images of bounded size, stored under names we generate."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from PIL import Image, UnidentifiedImageError

# Formats browsers show and Pillow can verify. No SVG: it is a document that can run script.
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def validate_image(file) -> None:
    """Refuse anything that is not a JPEG, PNG, WebP or GIF of bounded bytes and dimensions."""
    max_bytes = settings.NEWSROOM_MAX_IMAGE_BYTES
    max_side = settings.NEWSROOM_MAX_IMAGE_PIXELS
    if file.size is not None and file.size > max_bytes:
        raise ValidationError(
            "This file is %(size)s MB; images may be at most %(max)s MB.",
            code="file_too_large",
            params={
                "size": round(file.size / 1_048_576, 1),
                "max": round(max_bytes / 1_048_576, 1),
            },
        )
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            width, height = image.size
            if image_format in IMAGE_FORMATS and width <= max_side and height <= max_side:
                image.verify()  # reads the whole file: truncated or corrupt data fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            "Upload a JPEG, PNG, WebP or GIF image; this file is not one, or it is damaged.",
            code="invalid_image",
        ) from None
    finally:
        if position is not None:
            file.seek(position)
    if image_format not in IMAGE_FORMATS:
        raise ValidationError(
            "Upload a JPEG, PNG, WebP or GIF image (this one is %(format)s).",
            code="invalid_image_format",
            params={"format": image_format},
        )
    if width > max_side or height > max_side:
        raise ValidationError(
            "This image is %(width)s×%(height)s pixels; images may be at most %(max)s on each side.",
            code="image_too_large",
            params={"width": width, "height": height, "max": max_side},
        )


@deconstructible
class GeneratedImageName:
    """``images/2025/08/<uuid>.<ext>``: the uploader's file name never reaches the disk or URL."""

    def __init__(self, prefix: str = "images"):
        self.prefix = prefix

    def __call__(self, instance, filename: str) -> str:
        extension = PurePath(filename).suffix.lower().lstrip(".")
        if extension == "jpeg":
            extension = "jpg"
        if extension not in IMAGE_FORMATS.values():
            extension = "img"
        return f"{self.prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"

    def __eq__(self, other):
        return isinstance(other, GeneratedImageName) and other.prefix == self.prefix
