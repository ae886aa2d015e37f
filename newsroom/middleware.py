"""The Content Security Policy, with the two places that need a different one."""

from csp.middleware import CSPMiddleware, PolicyParts

# Fact-card embeds (the web branch's /embed/ views) are meant to be framed by partner sites.
EMBED_PREFIX = "/embed/"
ADMIN_PREFIX = "/admin/"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy from ``CONTENT_SECURITY_POLICY`` and:

    - ``/embed/``: any site may frame the page (``frame-ancestors *``);
    - ``/admin/``: inline ``style`` attributes, which Django's admin templates and widgets use.
      Scripts stay ``'self'`` only there too.
    """

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        path = request.path_info
        if path.startswith(EMBED_PREFIX):
            parts.replace = {**(parts.replace or {}), "frame-ancestors": ["*"]}
        elif path.startswith(ADMIN_PREFIX):
            parts.update = {**(parts.update or {}), "style-src": ["'unsafe-inline'"]}
        return parts
