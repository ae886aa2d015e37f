"""The newsroom's roles and what each may do. Created by a data migration; edit them here.

Permissions are enforced on the server in every path (admin forms, admin actions, workflow
functions), not only by hiding buttons.
"""

FACT_MODELS = ["quote", "statistic", "statisticvalue", "claim", "claimsource", "person", "source"]

ROLES = {
    "Writer": {
        "explainers": [
            "add_explainer", "change_explainer", "view_explainer", "submit_explainer",
            "add_section", "change_section", "delete_section", "view_section",
            "view_topic", "view_media", "add_media", "change_media",
            "view_correction", "view_revision",
        ],
        "claims": [f"view_{model}" for model in FACT_MODELS] + ["view_rating"],
    },
    "Editor": {
        "explainers": [
            "add_explainer", "change_explainer", "view_explainer", "delete_explainer",
            "submit_explainer", "publish_explainer", "correct_explainer",
            "add_section", "change_section", "delete_section", "view_section",
            "add_topic", "change_topic", "view_topic",
            "add_media", "change_media", "view_media", "delete_media",
            "add_correction", "view_correction", "view_revision",
        ],
        "claims": [f"view_{model}" for model in FACT_MODELS] + ["view_rating"],
        "newsroom": ["view_auditentry"],
    },
    "Fact-checker": {
        "explainers": ["view_explainer", "view_section", "view_topic", "view_media", "view_revision"],
        "claims": [
            f"{verb}_{model}" for model in FACT_MODELS for verb in ("add", "change", "view")
        ]
        + ["delete_claimsource", "view_rating", "verify_quote", "verify_statistic", "verify_claim", "rate_claim"],
        "newsroom": ["view_auditentry"],
    },
    # Partners use the API with their own keys; they never see the admin.
    "Partner": {},
}
