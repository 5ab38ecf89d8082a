from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard import connect
from dashboard.connect.errors import ApiError


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The newest applications; the full application pages build on this."""
    try:
        page = connect.application_list(limit=20)
    except ApiError as error:
        return render(request, "web/home.html", {"error": error}, status=502)
    return render(request, "web/home.html", {"page": page})
