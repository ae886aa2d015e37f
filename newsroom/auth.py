"""Admin login lockout (django-axes) for logins that come through a web request."""

from axes.backends import AxesStandaloneBackend


class LoginLockoutBackend(AxesStandaloneBackend):
    """Counts failed web logins and refuses a locked-out username and address.

    ``authenticate()`` without a request (the shell, management commands, the test client's
    ``login()``) is not a web login attempt, so it is passed on to the next backend instead of
    being refused as django-axes does by default.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
