"""The open data's OpenAPI 3.1 description, at /api/openapi.json.

Built on every request it is not cached for, from what the views themselves use: each app's record schema
(`STORY_SCHEMA` ...) and CSV columns, the filter sets' parameters and their choices (themes, SDGs, targets,
regions, mechanisms), the envelope of core.open_data. A filter, a column or a field added to a view is in
the description at once; a test holds the records to their schemas. It lives here, on top, because it names
every app's endpoints. The prose is in English, as docs/api.md is.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from django_filters import ChoiceFilter, FilterSet

from cooperation import api as cooperation_api
from core.open_data import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    csv_cap,
    current_licence,
    open_data_response,
)
from core.public_cache import cache_public_page
from membership import api as membership_api
from recommendations import api as recommendations_api
from recommendations.filters import RecommendationFilter
from stories import api as stories_api
from stories.filters import StoryFilter
from stories.models import Story

OPENAPI_VERSION = "3.1.0"
# The description's own version: bump the minor number when an endpoint, a field or a parameter is added.
API_VERSION = "1.1.0"

# What each filter means, in the words of docs/api.md. A filter with no sentence here is still described
# (by its name and values): a new filter is never missing from the description.
PARAMETER_SENTENCES = {
    "q": 'Words searched in the text (`"exact phrase"`, `-excluded`, `or`).',
    "member": "A member's ISO 3166 code, lower case (`eu` for the European Union).",
    "region": "A UN regional group.",
    "theme": "A priority theme's slug.",
    "sdg": "A Sustainable Development Goal.",
    "target": "An SDG target's code.",
    "year": "The year the policy started.",
    "sort": "The order: newest first (the default), oldest first, or best match (with `q`).",
    "mechanism": "The UN human-rights mechanism that made the recommendation.",
    "body": "`UPR`, a treaty body's abbreviation, or a Special Procedures mandate as written in the data.",
    "cycle": "A UPR cycle.",
    "response": "The state's response to a UPR recommendation.",
    "answered": "`yes`: a published story answers it; `no`: none does yet.",
}
INTEGER_PARAMETERS = {"sdg", "year", "cycle"}
# Open sets (they grow with members, years and imported mandates): described, not enumerated.
OPEN_PARAMETERS = {"member", "year", "body"}

CORS_HEADERS = {
    "Access-Control-Allow-Origin": {
        "description": "Always `*`: any site's scripts may read the open data (never with credentials).",
        "required": True,
        "schema": {"type": "string", "const": "*"},
    },
    "Link": {
        "description": 'The licence (`rel="license"`) and, on pages of a list, the `first`, `prev`, '
        "`next` and `last` pages (RFC 8288).",
        "required": True,
        "schema": {"type": "string"},
    },
}


# The oEmbed 1.0 "rich" answer (https://oembed.com/), as stories/embed.py gives it.
OEMBED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "version": {"type": "string", "const": "1.0"},
        "type": {"type": "string", "const": "rich"},
        "title": {"type": "string"},
        "author_name": {"type": "string", "description": "the member whose story it is"},
        "author_url": {"type": "string", "format": "uri"},
        "provider_name": {"type": "string"},
        "provider_url": {"type": "string", "format": "uri"},
        "cache_age": {"type": "integer"},
        "html": {"type": "string", "description": "a sandboxed <iframe> of the story's card"},
        "width": {"type": "integer", "minimum": 1},
        "height": {"type": "integer", "minimum": 1},
        "thumbnail_url": {"type": "string", "format": "uri"},
        "thumbnail_width": {"type": "integer"},
        "thumbnail_height": {"type": "integer"},
    },
    "required": [
        "version",
        "type",
        "title",
        "author_name",
        "author_url",
        "provider_name",
        "provider_url",
        "cache_age",
        "html",
        "width",
        "height",
    ],
}


@dataclass(frozen=True)
class Endpoint:
    name: str  # the URL name under the `api` namespace, and the operationId
    summary: str
    tag: str
    # "page" (paginated JSON), "list" (JSON given whole), "live-csv", "csv", "oembed", "description"
    kind: str
    record: dict[str, Any] | None = None
    filterset: type[FilterSet] | None = None
    columns: list[str] = field(default_factory=list)
    dataset: str = ""


def endpoints() -> list[Endpoint]:
    return [
        Endpoint(
            "stories_json",
            "Published good stories, a page at a time",
            "stories",
            "page",
            record=stories_api.STORY_SCHEMA,
            filterset=StoryFilter,
        ),
        Endpoint(
            "stories_csv",
            "Published good stories as CSV",
            "stories",
            "live-csv",
            filterset=StoryFilter,
            columns=stories_api.CSV_FIELDS,
            dataset="stories",
        ),
        Endpoint(
            "endorsements_json",
            "Endorsements of the joint declaration",
            "endorsements",
            "list",
            record=membership_api.ENDORSEMENT_SCHEMA,
        ),
        Endpoint(
            "endorsements_csv",
            "Endorsements of the joint declaration as CSV",
            "endorsements",
            "csv",
            columns=membership_api.CSV_FIELDS,
        ),
        Endpoint(
            "recommendations_json",
            "UN recommendations to members, a page at a time",
            "recommendations",
            "page",
            record=recommendations_api.RECOMMENDATION_SCHEMA,
            filterset=RecommendationFilter,
        ),
        Endpoint(
            "recommendations_csv",
            "UN recommendations to members as CSV",
            "recommendations",
            "live-csv",
            filterset=RecommendationFilter,
            columns=recommendations_api.CSV_FIELDS,
            dataset="recommendations",
        ),
        Endpoint(
            "cooperation_json",
            "Published cooperation cards with the UN Special Procedures",
            "cooperation",
            "list",
            record=cooperation_api.CARD_SCHEMA,
        ),
        Endpoint(
            "cooperation_csv",
            "Published cooperation cards as CSV",
            "cooperation",
            "csv",
            columns=cooperation_api.csv_header(),
        ),
        Endpoint(
            "oembed",
            "A story's embeddable card, for oEmbed consumers",
            "stories",
            "oembed",
            record=OEMBED_SCHEMA,
        ),
        Endpoint("openapi", "This description", "description", "description"),
    ]


def _flat_values(choices: Iterable) -> list[str]:
    """The values of a choice list, option groups flattened, the empty choice left out."""
    values: list[str] = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            values += _flat_values(label)
        elif value not in ("", None):
            values.append(str(value))
    return values


def filter_parameters(filterset: type[FilterSet]) -> list[dict[str, Any]]:
    """One query parameter per filter of the view's filter set, with its values when the set is closed."""
    parameters = []
    for name, query_filter in filterset.base_filters.items():
        schema: dict[str, Any] = {"type": "integer" if name in INTEGER_PARAMETERS else "string"}
        if isinstance(query_filter, ChoiceFilter) and name not in OPEN_PARAMETERS:
            choices = query_filter.extra.get("choices", [])
            values = _flat_values(choices() if callable(choices) else choices)
            if values:
                schema["enum"] = [int(v) for v in values] if name in INTEGER_PARAMETERS else values
        if name == "member":
            schema["pattern"] = "^[a-z]{2}$"
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": PARAMETER_SENTENCES.get(name, f"Filter `{name}`: see the documentation.")
                + " A value that cannot be used is left out and named in `ignored_filters` (JSON).",
                "schema": schema,
            }
        )
    return parameters


PAGE_PARAMETERS = [
    {
        "name": "page",
        "in": "query",
        "required": False,
        "description": "The page, from 1. A page that does not exist answers 404.",
        "schema": {"type": "integer", "minimum": 1, "default": 1},
    },
    {
        "name": "page_size",
        "in": "query",
        "required": False,
        "description": f"Records per page, 1 to {MAX_PAGE_SIZE}.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
    },
]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response = {
        "description": description,
        "headers": {**CORS_HEADERS, **(headers or {})},
        "content": _json({"$ref": "#/components/schemas/Error"}),
    }
    return response


def _csv_content(columns: list[str]) -> dict[str, Any]:
    return {
        "text/csv": {
            "schema": {
                "type": "string",
                "description": "UTF-8 with a byte-order mark; a header row, then one row per record. "
                "Columns: "
                + ", ".join(f"`{column}`" for column in columns)
                + ". A cell that would start with `=`, `+`, `-` or `@` is prefixed with `'`.",
            }
        }
    }


def oembed_parameters(example_story_url: str | None) -> list[dict[str, Any]]:
    url: dict[str, Any] = {
        "name": "url",
        "in": "query",
        "required": True,
        "description": "The address of a story's page (or of its card) on this portal.",
        "schema": {"type": "string"},
    }
    if example_story_url:
        url["example"] = example_story_url
    size = "at most our own size; a value that cannot be used gives our size"
    return [
        url,
        {
            "name": "maxwidth",
            "in": "query",
            "required": False,
            "description": f"The widest frame the consumer can show, {size}.",
            "schema": {"type": "integer", "minimum": 1},
        },
        {
            "name": "maxheight",
            "in": "query",
            "required": False,
            "description": f"The tallest frame the consumer can show, {size}.",
            "schema": {"type": "integer", "minimum": 1},
        },
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "Only `json` is offered.",
            "schema": {"type": "string", "enum": ["json"]},
        },
    ]


def operation(endpoint: Endpoint, example_story_url: str | None = None) -> dict[str, Any]:
    parameters = filter_parameters(endpoint.filterset) if endpoint.filterset else []
    responses: dict[str, Any]
    if endpoint.kind == "page":
        parameters += copy.deepcopy(PAGE_PARAMETERS)
        envelope = copy.deepcopy(ENVELOPE)
        envelope["properties"]["results"]["items"] = endpoint.record
        responses = {
            "200": {
                "description": "A page of the list.",
                "headers": CORS_HEADERS,
                "content": _json(envelope),
            },
            "404": _error("A page that does not exist, with a sentence saying which pages do."),
        }
    elif endpoint.kind == "list":
        listed = copy.deepcopy(LIST_ENVELOPE)
        listed["properties"]["results"]["items"] = endpoint.record
        responses = {
            "200": {"description": "Every record.", "headers": CORS_HEADERS, "content": _json(listed)}
        }
    elif endpoint.kind == "live-csv":
        cap = csv_cap()
        responses = {
            "200": {
                "description": f"At most {cap} rows, in the list's order (newest first by default).",
                "headers": {
                    **CORS_HEADERS,
                    "X-Rows-Capped": {
                        "description": "Present when more rows matched than the file holds: the number "
                        "of rows it holds (the file's name then ends in `-first-<cap>.csv`). Narrow the "
                        "filters, or take the full file of the latest release.",
                        "required": False,
                        "schema": {"type": "integer"},
                    },
                },
                "content": _csv_content(endpoint.columns),
            },
            "302": {
                "description": "Without a filter, once a release exists: the latest release's complete file "
                "(no request builds the whole dataset live).",
                "headers": {
                    **CORS_HEADERS,
                    "Location": {"required": True, "schema": {"type": "string", "format": "uri-reference"}},
                },
            },
            "429": _error(
                "Too many live CSV files asked for from one address in an hour (anonymous visitors).",
                {
                    "Retry-After": {
                        "description": "Seconds until more may be asked for.",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1},
                    }
                },
            ),
        }
    elif endpoint.kind == "csv":
        responses = {
            "200": {
                "description": "Every record (a short list: no cap).",
                "headers": CORS_HEADERS,
                "content": _csv_content(endpoint.columns),
            }
        }
    elif endpoint.kind == "oembed":
        parameters += oembed_parameters(example_story_url)
        responses = {
            "200": {
                "description": "The card of the story at `url`, in the language of that address.",
                "headers": CORS_HEADERS,
                "content": _json(endpoint.record),
            },
            "400": _error("No `url` given."),
            "404": _error("No published story at that address on this portal."),
            "501": _error("A format other than JSON asked for."),
        }
    else:
        responses = {
            "200": {
                "description": "This OpenAPI 3.1 description.",
                "headers": CORS_HEADERS,
                "content": _json({"type": "object"}),
            }
        }
    return {
        "operationId": endpoint.name,
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "parameters": parameters,
        "responses": responses,
    }


LICENCE_SCHEMA = {
    "type": "object",
    "description": "The licence the data are published under, set by the secretariat.",
    "properties": {
        "name": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "attribution": {"type": "string", "description": "The sentence to give when reusing the data."},
    },
    "required": ["name", "url", "attribution"],
}
ENVELOPE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "count": {"type": "integer", "minimum": 0, "description": "Records matching the filters."},
        "page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
        "next": {"type": ["string", "null"], "format": "uri"},
        "previous": {"type": ["string", "null"], "format": "uri"},
        "ignored_filters": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Parameters whose value could not be used, and were left out.",
        },
        "licence": {"$ref": "#/components/schemas/Licence"},
        "results": {"type": "array", "items": {}},
    },
    "required": ["count", "page", "pages", "next", "previous", "ignored_filters", "licence", "results"],
}
LIST_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "count": {"type": "integer", "minimum": 0},
        "licence": {"$ref": "#/components/schemas/Licence"},
        "results": {"type": "array", "items": {}},
    },
    "required": ["count", "licence", "results"],
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "string", "description": "A sentence saying what went wrong."}},
    "required": ["error"],
}


def api_root() -> str:
    """The path every API URL of the active language starts with (`/en/api`)."""
    return reverse("api:openapi").rsplit("/", 1)[0]


def openapi_document(request: HttpRequest) -> dict[str, Any]:
    licence = current_licence()
    root = api_root()
    newest = Story.objects.published().order_by("-published_at", "-pk").first()
    example = request.build_absolute_uri(newest.get_absolute_url()) if newest else None
    paths = {}
    for endpoint in endpoints():
        path = reverse(f"api:{endpoint.name}")
        paths[path.removeprefix(root)] = {"get": operation(endpoint, example)}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Good Human Rights Stories Initiative: open data",
            "version": API_VERSION,
            "summary": "Published good stories, UN recommendations to members, endorsements of the joint "
            "declaration and cooperation cards with the UN Special Procedures.",
            "description": (
                "Read-only, no login, no personal data. Every response may be read by any site's scripts "
                "(CORS: `Access-Control-Allow-Origin: *`, GET, HEAD and OPTIONS, no credentials) and links "
                f'to the licence in a `Link: <{licence.url}>; rel="license"` header; JSON lists also carry '
                "it in `licence`. Pages of a list link to the first, previous, next and last pages in "
                "`Link` as in the envelope. Live CSV files are capped and, for anonymous visitors, limited "
                "per hour; the complete files are the dated releases at /data/. The language prefix of the "
                "address changes only the language of member names and of the links."
            ),
            "license": {"name": licence.name, "url": licence.url},
        },
        "servers": [{"url": request.build_absolute_uri(root)}],
        "tags": [
            {"name": "stories", "description": "Published good stories."},
            {"name": "endorsements", "description": "Endorsements of the joint declaration."},
            {"name": "recommendations", "description": "UN human-rights recommendations to members."},
            {"name": "cooperation", "description": "Cooperation cards with the UN Special Procedures."},
            {"name": "description", "description": "This description."},
        ],
        "paths": paths,
        "components": {"schemas": {"Licence": LICENCE_SCHEMA, "Error": ERROR_SCHEMA}},
    }


@open_data_response
@require_safe
@cache_public_page(3600)
def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_document(request), json_dumps_params={"ensure_ascii": False})
