"""Signing in and out: a password, or single sign-on with the company's identity provider."""

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dashboard.audit.record import Action, Actor, Outcome, record

from . import signon, sso

SSO_BACKEND = "dashboard.kernel.backends.SingleSignOnBackend"
# Where the provider's own sign-out is, for the session a single sign-on began.
END_SESSION = "sso:end-session"


def password_login_allowed(user) -> bool:
    """Whether `user` may sign in with a password: everyone, unless password sign-in is
    off, when only the break-glass superusers named in the settings may."""
    if settings.DASHBOARD_PASSWORD_LOGIN:
        return True
    return user.is_superuser and user.get_username() in settings.DASHBOARD_BREAK_GLASS_USERS


class SignInForm(AuthenticationForm):
    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not password_login_allowed(user):
            raise ValidationError(
                "Password sign-in is turned off here: sign in with single sign-on.",
                code="password_login_off",
            )


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        provider = sso.provider(self.request)
        next_url = self.get_redirect_url()
        query = f"?{urlencode({'next': next_url})}" if next_url else ""
        context |= {
            "sso": provider,
            "sso_url": reverse("sso-start") + query,
            "password_login": settings.DASHBOARD_PASSWORD_LOGIN or not provider,
            "break_glass": bool(settings.DASHBOARD_BREAK_GLASS_USERS),
        }
        return context


class SignOutView(auth_views.LogoutView):
    """Ends the dashboard's session; after a single sign-on, offers the provider's own
    sign-out when it has one (signing out there is the provider's business)."""

    def post(self, request, *args, **kwargs):
        end_session = request.session.get(END_SESSION)
        response = super().post(request, *args, **kwargs)
        if not end_session:
            return response
        query = urlencode(
            {
                "client_id": end_session["client_id"],
                "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
            }
        )
        context = {
            "provider_name": end_session["name"],
            "end_session_url": f"{end_session['url']}?{query}",
        }
        return render(request, "registration/signed_out.html", context)


def _refused(request: HttpRequest, provider: sso.Provider, message: str, status: int):
    record(
        Actor.of(request),
        Action.SSO_REFUSED,
        outcome=Outcome.REFUSED,
        environment="",
        detail=message,
        changes={"issuer": provider.issuer},
    )
    context = {"message": message, "provider": provider}
    return render(request, "registration/sso_refused.html", context, status=status)


def _provider(request: HttpRequest) -> sso.Provider:
    provider = sso.provider(request)
    if provider is None:
        raise Http404("Single sign-on is not configured.")
    return provider


@require_GET
@never_cache
def sso_start(request: HttpRequest) -> HttpResponse:
    provider = _provider(request)
    try:
        return redirect(sso.begin(request, provider, request.GET.get("next")))
    except sso.SignOnRefused as refused:
        return _refused(request, provider, str(refused), status=502)


@require_GET
@never_cache
def sso_callback(request: HttpRequest) -> HttpResponse:
    provider = _provider(request)
    try:
        completed = sso.complete(request, provider)
    except sso.SignOnRefused as refused:
        return _refused(request, provider, str(refused), status=400)
    try:
        user = signon.sign_in_user(request, provider, completed.claims)
    except signon.NoAccess:
        context = {
            "provider": provider,
            "claim": settings.DASHBOARD_OIDC_ROLE_CLAIM,
            "subject": completed.claims["sub"],
        }
        return render(request, "registration/no_access.html", context, status=403)
    login(request, user, backend=SSO_BACKEND)
    if completed.end_session_endpoint:
        request.session[END_SESSION] = {
            "url": completed.end_session_endpoint,
            "client_id": provider.client_id,
            "name": provider.name,
        }
    return redirect(completed.next_url)
