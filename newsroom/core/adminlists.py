"""Admin change lists that answer any query string with a page, never a 500.

Django's date drill-down turns ``?published_at__year=…`` into dates itself and lets two errors
through: a year too long for a C integer (OverflowError) and the year 9999, whose following
year does not exist (ValueError when it computes the end of the range). Both are bad lookups,
which the admin already answers by showing the list with "?e=1" and a message.
"""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class DateSafeChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class DateSafeChangeListAdmin:
    """ModelAdmin mixin for lists with a ``date_hierarchy``."""

    def get_changelist(self, request, **kwargs):
        return DateSafeChangeList
