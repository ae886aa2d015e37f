import pytest

from claims.models import Person
from tests.factories import ClaimFactory, ExplainerFactory, PersonFactory, QuoteFactory, add_section

pytestmark = pytest.mark.django_db


def test_person_is_public_only_through_a_public_quote_or_claim():
    speaker, claimant, draft_speaker = PersonFactory(), PersonFactory(), PersonFactory()
    PersonFactory()  # never quoted
    quote, claim = QuoteFactory(speaker=speaker), ClaimFactory(claimant=claimant)
    hidden_quote = QuoteFactory(speaker=draft_speaker)
    add_section(
        ExplainerFactory(published=True), f"[[quote:{quote.slug}]]\n\n[[claim:{claim.slug}]]"
    )
    add_section(ExplainerFactory(), f"[[quote:{hidden_quote.slug}]]")
    assert set(Person.objects.public()) == {speaker, claimant}
