"""Admin saves outside the test's own transaction, as in production (regression test).

Locking the explainer row for the version check once ran outside any transaction, which only
PostgreSQL refuses ("select_for_update cannot be used outside of a transaction"), and only when
the request is not already wrapped in a test transaction.
"""

import pytest

from explainers.models import Explainer
from tests import factories
from tests.factories import add_section

pytestmark = pytest.mark.django_db(transaction=True)


def test_saving_an_explainer_through_the_admin_works_outside_a_test_transaction(client):
    from django.contrib.auth.models import Permission

    editor = factories.UserFactory(username="tx-editor", is_staff=True)
    editor.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["explainers", "claims"])
    )
    client.force_login(editor)
    explainer = factories.ExplainerFactory(title="Before")
    add_section(explainer, body="Words.")
    url = f"/admin/explainers/explainer/{explainer.pk}/change/"
    form = client.get(url)
    data = factories.admin_form_data(form, title="After")

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:500]
    assert Explainer.objects.get(pk=explainer.pk).title == "After"
