"""The newsroom's roles and what each may do. Created by a data migration; edit them here.

Permissions are enforced on the server in every path (admin forms, admin actions, workflow
functions), not only by hiding buttons.
"""

FACT_MODELS = [
    "quote", "statistic", "statisticvalue", "claim", "claimsource", "person", "personrole",
    "source",
]  # fmt: skip

# What a reporter brings in while writing (the block picker's "New quote…", "New statistic…"):
# they add it, unchecked, and only Fact-checkers change, check or rate facts.
REPORTED_MODELS = ["quote", "statistic", "statisticvalue", "person", "personrole", "source"]

ROLES = {
    "Writer": {
        "explainers": [
            "add_explainer",
            "change_explainer",
            "view_explainer",
            "submit_explainer",
            "add_section",
            "change_section",
            "delete_section",
            "view_section",
            "view_topic",
            "view_media",
            "add_media",
            "change_media",
            "view_correction",
            "view_revision",
            "view_author",
        ],
        "claims": [f"view_{model}" for model in FACT_MODELS]
        + [f"add_{model}" for model in REPORTED_MODELS]
        + ["view_rating", "view_claimrating"],
    },
    "Editor": {
        "explainers": [
            "add_explainer",
            "change_explainer",
            "view_explainer",
            "delete_explainer",
            "submit_explainer",
            "publish_explainer",
            "correct_explainer",
            "add_section",
            "change_section",
            "delete_section",
            "view_section",
            "add_topic",
            "change_topic",
            "view_topic",
            "add_media",
            "change_media",
            "view_media",
            "delete_media",
            "add_correction",
            "view_correction",
            "view_revision",
            "add_author",
            "change_author",
            "view_author",
            # What an import drops as page furniture ("Import text")
            "add_furniturepattern",
            "change_furniturepattern",
            "delete_furniturepattern",
            "view_furniturepattern",
        ],
        "claims": [f"view_{model}" for model in FACT_MODELS]
        + [f"add_{model}" for model in REPORTED_MODELS]
        + ["view_rating", "view_claimrating"],
        # Editors issue and revoke partners' API keys, and manage their webhooks.
        "newsroom": [
            "view_auditentry",
            "add_partnerkey",
            "change_partnerkey",
            "view_partnerkey",
            "add_webhookendpoint",
            "change_webhookendpoint",
            "view_webhookendpoint",
            "delete_webhookendpoint",
            "view_webhookdelivery",
            "change_webhookdelivery",
            "view_webhookattempt",
        ],
    },
    "Fact-checker": {
        "explainers": [
            "view_explainer",
            "view_section",
            "view_topic",
            "view_media",
            "view_revision",
            "view_author",
        ],
        "claims": [f"{verb}_{model}" for model in FACT_MODELS for verb in ("add", "change", "view")]
        + [
            "delete_claimsource",
            "delete_personrole",
            "view_claimrating",
            "view_rating",
            "verify_quote",
            "verify_statistic",
            "verify_claim",
            "rate_claim",
        ],
        "newsroom": ["view_auditentry"],
    },
    # Partners use the API with their own keys; they never see the admin.
    "Partner": {},
}


def _model_exists(apps, app_label: str, model_name: str) -> bool:
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return True


def sync_roles(apps, *, strict: bool = True) -> None:
    """Make each role's group hold exactly its permissions (for data migrations).

    ``strict=False`` skips permissions of models a later migration creates; the migration after
    it calls this again strictly.
    """
    from django.contrib.auth.management import create_permissions

    # Custom permissions are normally created after migrate; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for app_label, codenames in grants.items():
            found = Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
            missing = {
                codename
                for codename in set(codenames) - set(found.values_list("codename", flat=True))
                if _model_exists(apps, app_label, codename.partition("_")[2])
            }  # a model a later migration creates gets its permissions then
            if missing and strict:
                raise RuntimeError(
                    f"Role {name}: no such permission {sorted(missing)} in {app_label}"
                )
            wanted.extend(found)
        group.permissions.set(wanted)
