"""Picking the recommendations a story answers: /my/stories/<pk>/recommendations/.

One page: the story's citations (remove, reorder), a search among the recommendations the story's member
received (an "Add" form per row: usable with the keyboard and without JavaScript), and a form for one that is
not in the database. Every POST redirects back to the page, keeping the search.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from recommendations.citation_forms import CitationSearchForm, ManualCitationForm
from recommendations.models import Citation, Recommendation
from recommendations.search import clean_query, search
from recommendations.services import citations as services
from stories.models import Story
from stories.services import can_edit

TEMPLATE = "recommendations/my/story_citations.html"
PAGE_SIZE = 20
KEPT_PARAMETERS = ("q", "mechanism", "body", "page")


def _back_to_page(request: HttpRequest) -> HttpResponseRedirect:
    kept = [(name, request.GET[name]) for name in KEPT_PARAMETERS if request.GET.get(name)]
    return HttpResponseRedirect(request.path + (f"?{urlencode(kept)}" if kept else ""))


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def story_citations(request: HttpRequest, pk: int) -> HttpResponse:
    story = get_object_or_404(Story.objects.select_related("member"), pk=pk)
    if not can_edit(user=request.user, story=story):
        return render(
            request,
            TEMPLATE,
            {
                "story": None,
                "forbidden": _(
                    "Only the mission staff and coordinator of the story's member choose the "
                    "recommendations it answers."
                ),
            },
            status=403,
        )
    manual_form = None
    if request.method == "POST":
        response, manual_form = _post(request, story)
        if response is not None:
            return response
    return _page(request, story, manual_form)


def _post(request: HttpRequest, story: Story) -> tuple[HttpResponse | None, ManualCitationForm | None]:
    action = request.POST.get("action", "")
    try:
        if action == "add":
            citation = services.citation_add(
                actor=request.user,
                story_id=story.pk,
                recommendation_id=_int(request.POST.get("recommendation")),
            )
            messages.success(request, _("Added: %(reference)s.") % {"reference": citation.reference})
        elif action == "remove":
            citation = services.citation_remove(
                actor=request.user, citation_id=_int(request.POST.get("citation")) or 0
            )
            messages.success(
                request,
                _("Removed: %(reference)s. You can add it again below if this was a mistake.")
                % {"reference": citation.reference},
            )
        elif action in ("up", "down"):
            services.citation_move(
                actor=request.user, citation_id=_int(request.POST.get("citation")) or 0, direction=action
            )
        elif action == "manual":
            form = ManualCitationForm(request.POST, prefix="manual")
            if not form.is_valid():
                return None, form
            try:
                citation = services.citation_add_manual(
                    actor=request.user, story_id=story.pk, **form.cleaned_data
                )
            except ValidationError as error:
                if not hasattr(error, "error_dict"):
                    raise
                form.add_error(None, error)
                return None, form
            if citation.recommendation_id:
                messages.success(
                    request,
                    _("%(reference)s is in the database: the story now answers that recommendation directly.")
                    % {"reference": citation.reference},
                )
            else:
                messages.success(
                    request,
                    _(
                        "Added: %(reference)s, entered by hand. It will be linked to the recommendation "
                        "once that is imported."
                    )
                    % {"reference": citation.reference},
                )
        else:
            messages.error(request, _("Nothing was changed: the form did not say what to do."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error))
    return _back_to_page(request), None


def _page(request: HttpRequest, story: Story, manual_form: ManualCitationForm | None) -> HttpResponse:
    citations = list(
        Citation.objects.filter(story=story).select_related("recommendation").order_by("order", "pk")
    )
    context = {
        "story": story,
        "citations": citations,
        "editable": story.is_editable,
        "back_url": reverse(
            "my_stories:story_edit" if story.is_editable else "my_stories:story_detail", args=[story.pk]
        ),
    }
    if story.is_editable:
        context.update(_search(request, story))
        context["manual_form"] = manual_form or ManualCitationForm(prefix="manual")
    return render(request, TEMPLATE, context)


def _search(request: HttpRequest, story: Story) -> dict:
    addressed = Recommendation.objects.addressed_to(story.member)
    bodies = list(addressed.order_by("body").values_list("body", flat=True).distinct())
    form = CitationSearchForm(request.GET or None, bodies=bodies)
    results = addressed
    text = ""
    if form.is_valid():
        text, _shortened = clean_query(form.cleaned_data["q"])
        results = search(results, text)
        if form.cleaned_data["mechanism"]:
            results = results.filter(mechanism=form.cleaned_data["mechanism"])
        if form.cleaned_data["body"]:
            results = results.filter(body=form.cleaned_data["body"])
    results = results.annotate(
        already_cited=Exists(Citation.objects.filter(story=story, recommendation=OuterRef("pk")))
    ).order_by("-published_on", "symbol", "paragraph", "pk")
    paginator = Paginator(results, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    kept = [(name, request.GET[name]) for name in ("q", "mechanism", "body") if request.GET.get(name)]
    filtered = bool(kept)
    return {
        "search_form": form,
        "page_obj": page,
        "results": page.object_list,
        "query": urlencode(kept),
        "current_query": urlencode([*kept, *([("page", page.number)] if page.number > 1 else [])]),
        "searched": filtered,
        "search_text": text,
        "received_any": bool(bodies),
    }
