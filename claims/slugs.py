"""Short, readable slugs for fact blocks: the words that say what it is, not the whole text."""

from django.utils.text import slugify

# Words that say nothing about a quote or a claim.
STOP_WORDS = {
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "do", "for", "from", "has", "have",
    "he", "i", "if", "in", "is", "it", "its", "of", "on", "or", "our", "she", "so", "that", "the",
    "their", "there", "they", "this", "to", "was", "we", "were", "will", "with", "you", "your",
}  # fmt: skip
MAX_WORDS = 5
MAX_LENGTH = 60


def short_slug(*parts: str, model=None) -> str:
    """``keir-starmer-island-strangers`` for (speaker, "…we risk becoming an island of
    strangers"): each part's first few meaningful words, unique among ``model``'s slugs."""
    words = []
    for part in parts:
        kept = [word for word in slugify(part).split("-") if word and word not in STOP_WORDS]
        words.extend(kept[:MAX_WORDS])
    base = "-".join(words)[:MAX_LENGTH].strip("-") or "fact"
    if model is None:
        return base
    taken = set(model._default_manager.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug
