from django.urls import path

from . import views

app_name = "claims"
urlpatterns = [
    path("facts/quotes/<slug:slug>/", views.quote_detail, name="quote"),
    path("facts/statistics/<slug:slug>/", views.statistic_detail, name="statistic"),
    path("facts/claims/<slug:slug>/", views.claim_detail, name="claim"),
    path("sources/<slug:slug>/", views.source_detail, name="source"),
]
