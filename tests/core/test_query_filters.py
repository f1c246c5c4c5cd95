import pytest
from django.http import QueryDict

from core.query_filters import usable_filterset
from stories.filters import StoryFilter
from stories.models import Story

pytestmark = pytest.mark.django_db


def test_unusable_parameters_are_dropped_and_named():
    params = QueryDict("year=nineteen&sort=oldest&page=3&page_size=10")
    filterset, ignored = usable_filterset(StoryFilter, params, Story.objects.published())
    assert ignored == ["year"]
    assert filterset.is_valid()
    assert filterset.form.cleaned_data["sort"] == "oldest"
    assert "page" not in filterset.data and "page_size" not in filterset.data


def test_usable_parameters_are_all_kept():
    filterset, ignored = usable_filterset(StoryFilter, QueryDict("sort=newest"), Story.objects.none())
    assert ignored == []
    assert filterset.is_valid()
