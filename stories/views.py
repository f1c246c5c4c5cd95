from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from core.pagination import CachedCountPaginator
from core.public_cache import cache_public_page, key, serving_from_cache
from members.models import Member
from stories import services
from stories.filters import MATCH_LIMIT, filtered_stories, labels
from stories.forms import (
    ImageFacesForm,
    ImageFormSet,
    StoryForm,
    TranslationFormSet,
    image_initial,
    translation_initial,
)
from stories.inspirations import INSPIRED_BY_LOOKUPS, INSPIRED_LOOKUPS, taken_up_in
from stories.jsonld import story_structured_data
from stories.models import PendingUpload, Story, StoryEvent, StoryImage, Theme
from stories.search import add_snippets, clean_query


def story_queryset(*, public_images: bool = True):
    return Story.objects.select_related("member", "author").prefetch_related(
        "themes",
        "sdg_targets",
        # Kept by the recommendations app (above this one): reached through the relations only.
        "citations__recommendation",
        *INSPIRED_BY_LOOKUPS,
        *INSPIRED_LOOKUPS,
        "translations",
        # The public sees only photos it may see (not taken down, faces decided); the story's people all.
        Prefetch(
            "images",
            queryset=(
                StoryImage.objects.shown_publicly() if public_images else StoryImage.objects.all()
            ).order_by("order", "pk"),
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# Public


GALLERY_PAGE_SIZE = 12


@method_decorator([login_not_required, cache_public_page()], name="dispatch")
class StoryListView(ListView):
    """The gallery: filters that combine, full-text search, pages that keep the filters."""

    template_name = "stories/story_list.html"
    context_object_name = "stories"
    paginate_by = GALLERY_PAGE_SIZE
    paginator_class = CachedCountPaginator

    def get_queryset(self):
        self.filterset, self.ignored = filtered_stories(self.request.GET)
        return self.filterset.qs.cards().prefetch_related("themes")

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        # Counted up to MATCH_LIMIT ("more than 1000 stories") and paged that far: an exact count of 100,000
        # stories, or of 50,000 search matches, would cost more than the page itself.
        return super().get_paginator(
            queryset, per_page, orphans, allow_empty_first_page, count_limit=MATCH_LIMIT, **kwargs
        )

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        requested = self.request.GET.get("page") or 1
        try:
            page = paginator.page(requested)
        except PageNotAnInteger:
            self.page_message = _("“%(page)s” is not a page number; here is the first page.") % {
                "page": requested
            }
            page = paginator.page(1)
        except EmptyPage:
            page = paginator.page(paginator.num_pages)
            self.page_message = _("There is no page %(page)s; here is the last one.") % {"page": requested}
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        for field in self.ignored:
            params.pop(field, None)
        context.update(
            filter=self.filterset,
            ignored=labels(self.filterset, self.ignored),
            page_message=getattr(self, "page_message", ""),
            query=params.urlencode(),
            filtered=any(v for k, v in params.items() if k != "sort"),
            # Counts by theme and member are affordable only when cached (they aggregate every match).
            facets=gallery_facets(self.filterset.qs) if serving_from_cache() else {},
        )
        if self.filterset.searching:
            text, _shortened = clean_query(self.filterset.form.cleaned_data["q"])
            add_snippets(context["stories"], text, get_language() or "en")
        context["theme_intro"] = self.theme_intro()
        return context

    def theme_intro(self) -> dict[str, Any] | None:
        """The description of the theme (or goal) the gallery is filtered by, in the reader's language when
        translated; one query, and none without such a filter."""
        data = self.filterset.form.cleaned_data if self.filterset.form.is_valid() else {}
        lookup = {}
        if data.get("theme"):
            lookup = {"slug": data["theme"]}
        elif data.get("sdg"):
            lookup = {"kind": Theme.Kind.SDG, "sdg_number": int(data["sdg"])}
        if not lookup:
            return None
        theme = (
            Theme.objects.filter(**lookup).exclude(description="").prefetch_related("translations").first()
        )
        if theme is None:
            return None
        # The same lookup as every translated original (core/translations.Shown): the reader's language
        # when translated, else the original's, each marked with its language.
        description = theme.shown_in(get_language() or "en").description
        with translation.override(theme.language):
            original_url = f"{reverse('stories:story_list')}?{self.request.GET.urlencode()}"
        return {"theme": theme, "description": description, "original_url": original_url}


def gallery_facets(queryset) -> dict[str, list[dict]]:
    """How many of the current results each theme and member has (cached per filter and generation)."""
    # Member names are in the page's language.
    facets_key = key("facets", get_language(), str(queryset.query))
    facets = cache.get(facets_key) if serving_from_cache() else None
    if facets is None:
        ids = queryset.order_by().values("pk")
        themes = (
            Theme.objects.priorities()
            .filter(stories__in=ids)
            .annotate(count=Count("stories", distinct=True))
            .values("slug", "code", "name", "count")
        )
        members = (
            Story.objects.filter(pk__in=ids)
            .values("member__country")
            .annotate(count=Count("pk"))
            .order_by("-count")
        )
        names = {m.iso: m.name for m in Member.objects.public()}
        facets = {
            "themes": [{**row, "name": Theme(code=row["code"], name=row["name"]).label} for row in themes],
            "members": [
                {
                    "iso": row["member__country"].lower(),
                    "name": names.get(row["member__country"], ""),
                    "count": row["count"],
                }
                for row in members
            ],
        }
        cache.set(facets_key, facets, timeout=600)
    return facets


@method_decorator([login_not_required, cache_public_page()], name="dispatch")
class StoryDetailView(DetailView):
    """A story's public page. Withdrawn: 410 with a notice. Never published: 404, except for its member's
    people and the secretariat, who see it marked as not published."""

    template_name = "stories/story_detail.html"
    context_object_name = "story"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        story = get_object_or_404(story_queryset(), slug=kwargs["slug"])
        if story.status == Story.Status.WITHDRAWN:
            return render(request, "stories/story_withdrawn.html", {"story": story}, status=410)
        if story.status != Story.Status.PUBLISHED and not can_see_unpublished(request.user, story):
            raise Http404(_("There is no published story at this address."))
        self.object = story
        return self.render_to_response(self.get_context_data(object=story))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        story = self.object
        context["related"] = related_stories(story)
        context["text"] = story.text_in(get_language())
        # Meetings live in the meetings app, which builds on stories: reach them through the relation only.
        context["presented_at"] = sorted(
            {
                item.meeting
                for item in story.agenda_items.select_related("meeting").prefetch_related(
                    "meeting__translations"
                )
            },
            key=lambda m: m.starts_at,
        )
        context["structured_data"] = story_structured_data(story, context["text"], self.request)
        context["taken_up_in"] = taken_up_in(story)
        return context


def related_stories(story: Story, limit: int = 3) -> list[Story]:
    """Published stories sharing the most themes with this one, newest first among equals.

    Candidates are the newest few stories of each theme (an index scan each): counting shared themes over
    every story of a popular theme would read most of the table. They are ranked in the database, and only
    the chosen few are loaded as cards.
    """
    theme_ids = [theme.pk for theme in story.themes.all()]
    if not theme_ids:
        return []
    candidate_ids: set[int] = set()
    for theme_id in theme_ids:
        candidate_ids.update(
            Story.objects.published()
            .filter(themes=theme_id)
            .exclude(pk=story.pk)
            .order_by("-published_at", "-pk")
            .values_list("pk", flat=True)[: limit * 4]
        )
    chosen = list(
        Story.objects.filter(pk__in=candidate_ids)
        .annotate(shared=Count("themes", filter=Q(themes__in=theme_ids)))
        .order_by("-shared", "-published_at", "-pk")
        .values_list("pk", flat=True)[:limit]
    )
    cards = {card.pk: card for card in Story.objects.filter(pk__in=chosen).cards()}
    return [cards[pk] for pk in chosen if pk in cards]


def can_see_unpublished(user, story: Story) -> bool:
    return services.can_edit(user=user, story=story) or services.can_moderate(user=user)


# ---------------------------------------------------------------------------------------------------------
# Mission staff: /my/stories/


def access_story(user, pk: int) -> Story:
    """The story if this person works on it (their member's) or moderates; 404 alike for missing and not
    theirs, so nobody learns which stories other members are writing."""
    queryset = story_queryset(public_images=False)
    if not services.can_moderate(user=user):
        queryset = queryset.filter(pk__in=Story.objects.of_member_of(user).values("pk"))
    return get_object_or_404(queryset, pk=pk)


class MyStoryListView(ListView):
    template_name = "stories/my_story_list.html"
    context_object_name = "stories"
    paginate_by = 50

    def get_queryset(self):
        latest_comment = (
            StoryEvent.objects.filter(story=OuterRef("pk"))
            .exclude(comment="")
            .exclude(actor=OuterRef("author"))
            .order_by("-created_at", "-pk")
        )
        return (
            Story.objects.of_member_of(self.request.user)
            .select_related("author", "updated_by")
            # Translations whose story changed since are flagged in the list.
            .prefetch_related("translations")
            .annotate(
                latest_comment=Subquery(latest_comment.values("comment")[:1]),
                latest_comment_at=Subquery(latest_comment.values("created_at")[:1]),
            )
            .order_by("-updated_at")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["member"] = Member.objects.get(pk=user.mission.member_id) if user.mission_id else None
        context["can_write"] = context["member"] is not None
        return context


class MyStoryDetailView(DetailView):
    template_name = "stories/my_story_detail.html"
    context_object_name = "story"

    def get_object(self, queryset=None) -> Story:
        return access_story(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        story = self.object
        context["events"] = story.events.select_related("actor")
        context["can_edit"] = story.is_editable and services.can_edit(user=self.request.user, story=story)
        context["can_submit"] = context["can_edit"]
        context["missing"] = services.story_missing_for_submission(story) if context["can_submit"] else []
        return context


class StoryFormView(View):
    """Create or edit a story with its themes, SDG targets, photos and translations in one form, keeping
    everything on errors. (The recommendations it answers are chosen on the recommendations app's page.)"""

    template_name = "stories/story_form.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.story: Story | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if "pk" in kwargs:
            self.story = access_story(user, kwargs["pk"])
            if not services.can_edit(user=user, story=self.story):
                raise PermissionDenied(_("Only the member's own mission staff edit its stories."))
            if not self.story.is_editable:
                messages.info(
                    request,
                    _("This story is %(status)s and cannot be edited now.")
                    % {"status": self.story.get_status_display().lower()},
                )
                return HttpResponseRedirect(reverse("my_stories:story_detail", args=[self.story.pk]))
        elif not user.mission_id or not services.can_edit(
            user=user, story=Story(member_id=user.mission.member_id)
        ):
            raise PermissionDenied(_("Only mission staff and coordinators write stories."))
        return super().dispatch(request, *args, **kwargs)

    def forms(self, data=None, files=None) -> dict[str, Any]:
        instance = self.story or Story(
            member_id=self.request.user.mission.member_id, language=self.request.LANGUAGE_CODE
        )
        return {
            "form": StoryForm(data, instance=instance),
            "image_formset": ImageFormSet(
                data,
                files,
                prefix="images",
                initial=image_initial(self.story) if data is None else None,
                owner=self.request.user,
                story=self.story,
            ),
            # A form sent without the translations section (an older page, a script) leaves them as they are.
            "translation_formset": TranslationFormSet(
                data if data is not None and "translations-TOTAL_FORMS" in data else None,
                prefix="translations",
                initial=translation_initial(self.story),
                story_language=data.get("language") if data is not None else instance.language,
            ),
        }

    def render(self, forms: dict[str, Any], status: int = 200, **extra: Any) -> HttpResponse:
        context = {"story": self.story, **forms, **extra}
        context["has_errors"] = any(
            [
                forms["form"].errors,
                forms["image_formset"].total_error_count(),
                forms["translation_formset"].total_error_count(),
                extra.get("conflict"),
            ]
        )
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(self.forms())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        forms = self.forms(request.POST, request.FILES)
        form, images = forms["form"], forms["image_formset"]
        translations = forms["translation_formset"]
        if self.story is not None and not request.POST.get("version", "").strip().isdigit():
            return self.render_without_version(forms)
        # Validate everything, so every error is shown at once.
        valid = all(
            [
                form.is_valid(),
                images.is_valid(),
                translations.is_valid() if translations.is_bound else True,
            ]
        )
        if not valid:
            return self.render(forms)
        try:
            story = services.story_save(
                story=form.save(commit=False),
                actor=request.user,
                expected_version=form.cleaned_data.get("version") if self.story else None,
                themes=form.themes,
                sdg_targets=form.cleaned_data.get("sdg_targets") if form.sdg_targets_sent else None,
                images=[d for i, f in enumerate(images.forms) if (d := f.to_data(i)) is not None],
                translations=(
                    [d for f in translations.forms if (d := f.to_data()) is not None]
                    if translations.is_bound
                    else None
                ),
            )
        except services.StoryConflict as conflict:
            return self.render_conflict(forms, conflict)
        except ValidationError as error:
            form.add_error(None, error)
            return self.render(forms)
        if "submit" in request.POST:
            return submit_and_redirect(request, story)
        messages.success(request, _("Your draft is saved."))
        if "preview" in request.POST:
            return HttpResponseRedirect(reverse("my_stories:story_preview", args=[story.pk]))
        return HttpResponseRedirect(reverse("my_stories:story_edit", args=[story.pk]))

    def render_without_version(self, forms: dict[str, Any]) -> HttpResponse:
        """A form sent without the version it started from cannot be checked against changes made by others
        in between: nothing is saved (400); the person's text comes back, now carrying the current version,
        so that saving again, after a look at the story, is a decision and not an accident."""
        form = forms["form"]
        data = form.data.copy()
        data["version"] = self.story.version
        form.data = data
        for part in forms.values():
            if part.is_bound:
                part.is_valid()
        form.add_error(
            None,
            ValidationError(
                _(
                    "This form did not say which version of the story you started from, so it could not "
                    "be checked against changes made by others meanwhile. Nothing was saved. Your text is "
                    "below: check it against the story as it is saved, then save again."
                ),
                code="version_missing",
            ),
        )
        return self.render(forms, status=400)

    def render_conflict(self, forms: dict[str, Any], conflict: services.StoryConflict) -> HttpResponse:
        """Show the person their own text again, beside the version saved meanwhile; saving again (now from
        that version) replaces it."""
        current = conflict.current
        form = forms["form"]
        data = form.data.copy()
        data["version"] = current.version
        form.data = data
        return self.render(forms, status=409, conflict=conflict, current=current)


def submit_and_redirect(request: HttpRequest, story: Story) -> HttpResponse:
    try:
        services.story_submit(story_id=story.pk, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("my_stories:story_edit", args=[story.pk]))
    messages.success(request, _("Your story is submitted. The secretariat will review it."))
    return HttpResponseRedirect(reverse("my_stories:story_detail", args=[story.pk]))


@require_POST
def story_submit(request: HttpRequest, pk: int) -> HttpResponse:
    story = access_story(request.user, pk)
    if not services.can_edit(user=request.user, story=story):
        raise PermissionDenied(_("Only the member's own mission staff submit its stories."))
    return submit_and_redirect(request, story)


def story_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Exactly the public page, marked as a preview and kept out of search engines."""
    story = access_story(request.user, pk)
    context = {
        "story": story,
        "preview": True,
        "text": story.text_in(get_language()),
        "taken_up_in": taken_up_in(story),
    }
    return render(request, "stories/story_detail.html", context)


def pending_upload_file(request: HttpRequest, pk: int) -> FileResponse:
    """A photo kept from a form with errors, shown back to the person who uploaded it (and nobody else)."""
    pending = get_object_or_404(PendingUpload, pk=pk, owner=request.user)
    response = FileResponse(pending.file.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response


def story_image_original(request: HttpRequest, pk: int) -> FileResponse:
    """A saved photo whose renditions are not ready yet, for the story's people and the secretariat only."""
    image = get_object_or_404(StoryImage.objects.select_related("story"), pk=pk)
    access_story(request.user, image.story_id)
    response = FileResponse(image.original.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response


def image_faces(request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
    """The faces found in a photo, boxed on it, and the decision on what the public sees: every face
    blurred, or shown because a consent covering the portal is recorded. A face the detector missed can be
    boxed here. For the story's people and the secretariat."""
    story = access_story(request.user, pk)
    image = get_object_or_404(
        story.images.prefetch_related("consents").select_related("face_decided_by"), pk=image_pk
    )
    can_decide = services.can_edit(user=request.user, story=story) or services.can_moderate(user=request.user)
    consent_covers = services.image_consent_covers(image)
    form = ImageFacesForm(request.POST or None, image=image, consent_covers=consent_covers)
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied(_("Only the story's mission and the secretariat decide on its photos."))
        if form.is_valid():
            try:
                services.image_face_decide(
                    actor=request.user,
                    image_id=image.pk,
                    decision=form.cleaned_data["decision"],
                    extra_boxes=form.extra_boxes(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Your decision on the faces is saved. The public copies are being made again.")
                )
                return HttpResponseRedirect(reverse("my_stories:image_faces", args=[story.pk, image.pk]))
    try:
        consents_url = reverse("my_stories:image_consents", args=[story.pk, image.pk])
    except NoReverseMatch:
        consents_url = None
    context = {
        "story": story,
        "image": image,
        "form": form,
        "can_decide": can_decide,
        "undecided": services.image_faces_undecided(image),
        "consent_covers": consent_covers,
        "consents_url": consents_url,
    }
    return render(request, "stories/image_faces.html", context, status=400 if form.errors else 200)
