from django.db import connection, reset_queries


class QueryCountMiddleware:
    """Benchmark only: how many SQL queries a request made, in an X-Query-Count header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # What django.test.utils.CaptureQueriesContext does: record queries even with DEBUG off.
        connection.force_debug_cursor = True
        reset_queries()
        try:
            response = self.get_response(request)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            count = len(connection.queries)
        finally:
            connection.force_debug_cursor = False
        response["X-Query-Count"] = str(count)
        return response
