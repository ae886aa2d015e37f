from django.urls import path

from . import views

app_name = "claims"
urlpatterns = [
    path("facts/quotes/<slug:slug>/", views.quote_detail, name="quote"),
    path("facts/statistics/<slug:slug>/", views.statistic_detail, name="statistic"),
    path("facts/claims/<slug:slug>/", views.claim_detail, name="claim"),
    path("sources/<slug:slug>/", views.source_detail, name="source"),
    path("embed/quotes/<slug:slug>/", views.embed, {"kind": "quote"}, name="embed_quote"),
    path("embed/statistics/<slug:slug>/", views.embed, {"kind": "statistic"}, name="embed_statistic"),
    path("embed/claims/<slug:slug>/", views.embed, {"kind": "claim"}, name="embed_claim"),
    path("oembed/", views.oembed, name="oembed"),
]
