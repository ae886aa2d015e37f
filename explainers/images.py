"""Responsive renditions of uploaded images, for ``srcset``.

Each image gets WebP copies at the widths below that are narrower than the original, plus one
at the original's own width when that is no wider than the largest (never upscaled; a very
large original is never sent, 1,600 px is enough for a 44rem column on a 3x screen). WebP,
because every browser we support shows it and it is about a third smaller than JPEG at the
same quality; it keeps transparency, so one format serves photographs and graphics.

Renditions are made the first time a page shows the image, not when it is saved: every way an
image arrives (the admin, the importer, a restored backup, files uploaded before this module)
is covered without a backfill, and nothing needs a worker. The names are deterministic,
``renditions/<original name>-<width>w.webp``; the original's name is generated once per upload
and never reused, so a rendition never goes stale and any app server can find it in the shared
storage. What was made (and the original's size, for ``width`` and ``height``) is remembered in
the shared cache, so a page rendered afresh asks the storage nothing; after an eviction the
storage is asked whether each file exists, and only a missing one is made again.
"""

import io
import logging
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.cache import cache
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

WIDTHS = (480, 800, 1200, 1600)
FALLBACK_WIDTH = 800  # ``src`` for browsers without srcset: the candidate nearest this
QUALITY = 80
CACHE_PREFIX = "rendition:"
RETRY_SECONDS = 300  # an unreadable original is tried again after this long


@dataclass(frozen=True)
class Picture:
    src: str
    srcset: str
    width: int  # the original's, after EXIF rotation: the aspect ratio for width/height
    height: int


def rendition_name(name: str, width: int) -> str:
    stem = PurePosixPath(name).with_suffix("")
    return f"renditions/{stem}-{width}w.webp"


def widths_for(original_width: int) -> list[int]:
    """Narrower than the original, and the original's own width when within the largest."""
    widths = [width for width in WIDTHS if width < original_width]
    if original_width <= WIDTHS[-1]:
        widths.append(original_width)
    return widths


def picture(field_file) -> Picture | None:
    """``srcset`` and dimensions for an ImageField's file; None when it cannot be read."""
    key = CACHE_PREFIX + field_file.name
    made = cache.get(key)
    if made is None:
        made = _make(field_file)
        cache.set(key, made, timeout=None if made else RETRY_SECONDS)
    if not made:
        return None
    storage = field_file.storage
    if not made["widths"]:  # an animation: resizing would stop it, so the original it is
        url = field_file.url
        return Picture(src=url, srcset=f"{url} {made['width']}w", **_size(made))
    candidates = [
        (width, storage.url(rendition_name(field_file.name, width))) for width in made["widths"]
    ]
    fallback = min(candidates, key=lambda candidate: abs(candidate[0] - FALLBACK_WIDTH))
    return Picture(
        src=fallback[1],
        srcset=", ".join(f"{url} {width}w" for width, url in candidates),
        **_size(made),
    )


def _size(made: dict) -> dict:
    return {"width": made["width"], "height": made["height"]}


def _make(field_file) -> dict | bool:
    """Make the missing renditions; what exists (by name) is kept. False: unreadable."""
    storage = field_file.storage
    try:
        with storage.open(field_file.name, "rb") as stored, Image.open(stored) as image:
            animated = getattr(image, "is_animated", False)
            image = ImageOps.exif_transpose(image)
            width, height = image.size
            made = {"width": width, "height": height, "widths": []}
            if animated:
                return made
            for target in widths_for(width):
                name = rendition_name(field_file.name, target)
                if not storage.exists(name):
                    _save(storage, name, _resized(image, target))
                made["widths"].append(target)
            return made
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        logger.warning("Cannot make renditions of %s", field_file.name, exc_info=True)
        return False


def _resized(image: Image.Image, width: int) -> bytes:
    height = max(1, round(image.height * width / image.width))
    has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
    copy = image.convert("RGBA" if has_alpha else "RGB")
    if width != image.width:
        copy = copy.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=QUALITY, method=4)
    return out.getvalue()


def _save(storage, name: str, data: bytes) -> None:
    saved = storage.save(name, ContentFile(data))
    if saved != name:  # another server made it at the same moment: keep theirs
        storage.delete(saved)
