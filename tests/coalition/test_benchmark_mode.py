import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coalition.middleware import QueryCountMiddleware

pytestmark = pytest.mark.django_db


def test_the_query_count_header_counts_the_queries_of_the_request(rf):
    from members.views import MemberListView

    request = rf.get("/en/members/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    middleware = QueryCountMiddleware(lambda r: MemberListView.as_view()(r))
    with CaptureQueriesContext(connection) as captured:
        response = middleware(request)
    assert int(response["X-Query-Count"]) == len(captured.captured_queries) > 0
