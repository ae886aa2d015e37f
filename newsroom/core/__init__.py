"""The mechanisms every app may use, and the only part of ``newsroom`` the apps may import.

- ``links``: public URLs of slugged objects, reversed once.
- ``paging``: strict ``?page=N`` pagination for public lists.
- ``models`` and ``audit``: the audit trail (who did what, with the fields they changed).
- ``workflow``: what every workflow verb does besides its own rule (permission, audit, caches).
- ``versioning``: optimistic locking, one mechanism for every form two people can save at once.
- ``pagecache``: the public page cache and its surrogate keys; apps say what a change shows,
  the core invalidates (and ``purge`` purges the shared HTTP cache in front by those keys).
- ``usage``: where fact blocks are used, asked by the facts app, answered by the stories app.
- ``api``: the partner API's base classes: strict filters, pagination, conditional GET.

Nothing here imports an app (``claims``, ``explainers``) or the rest of ``newsroom``; the apps
register what the core needs to know of them when they start (their ``AppConfig.ready``).
``tests/newsroom_tests/test_layers.py`` keeps it so.
"""
