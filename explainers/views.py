from django.http import Http404
from django.shortcuts import get_object_or_404, render

from .models import Explainer, Topic


def explainer_detail(request, slug):
    explainer = get_object_or_404(Explainer.objects.published().for_public_detail(), slug=slug)
    return render(request, "explainers/explainer_detail.html", {"explainer": explainer})


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    explainers = list(topic.explainers.published().for_public_list())
    if not explainers:
        # A topic with nothing published may only exist for a story still in draft.
        raise Http404("No published explainers in this topic.")
    return render(
        request, "explainers/topic_detail.html", {"topic": topic, "explainers": explainers}
    )
