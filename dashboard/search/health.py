"""Credential health: what needs attention in an environment's applications, from the index.

The index holds each application's client secrets' dates (never the secrets) once a sync or
the application's page has read them; an application whose secrets were never read is left
out of the secret checks, and the page says how many those are.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from dashboard import environments
from dashboard.kernel.roles import CHANGE, SECRETS

from .models import IndexedApplication, IndexedOrganization, IndexedSecret, Sync


@dataclass(frozen=True)
class Problem:
    """A kind of finding: what it is, why it matters, and where it is fixed."""

    key: str
    title: str
    why: str
    fix: str
    # The application page's section, or its edit page, where the fix is.
    fixed_at: str

    @property
    def permission(self) -> str:
        """What making the fix asks of a user's role."""
        return SECRETS if self.fixed_at == "secrets" else CHANGE


PROBLEMS = {
    problem.key: problem
    for problem in [
        Problem(
            "no_secret",
            "No client secret",
            "A confidential client cannot get a token without one.",
            "Create a secret",
            "secrets",
        ),
        Problem(
            "rotation_due",
            "Rotation due",
            "A secret older than {rotation} days should be replaced.",
            "Create a new secret, hand it over, then revoke the old one",
            "secrets",
        ),
        Problem(
            "never_used",
            "Secret never used",
            "Created over {unused} days ago and never used: probably not needed.",
            "Revoke it",
            "secrets",
        ),
        Problem(
            "unused",
            "Secret unused",
            "Not used for over {unused} days.",
            "Revoke it if the application no longer needs it",
            "secrets",
        ),
        Problem(
            "too_many_secrets",
            "More than two active secrets",
            "Two cover a rotation; more are secrets nobody tracks.",
            "Revoke the ones not in use",
            "secrets",
        ),
        Problem(
            "organization_gone",
            "Organization no longer exists",
            "A third-party application belongs to an organization that was deleted.",
            "Choose its organization",
            "edit",
        ),
        Problem(
            "insecure_redirect",
            "Redirect URI without HTTPS",
            "A production redirect URI over plain HTTP can leak authorization codes.",
            "Change the redirect URIs",
            "edit",
        ),
    ]
}


@dataclass(frozen=True)
class Finding:
    problem: Problem
    application: IndexedApplication
    # "{at}" in it stands for `at`: a page shows that date as the dashboard shows dates.
    detail: str
    at: datetime | None = None

    @property
    def text(self) -> str:
        """The detail with its date as a day: "Secret …a1b2 created 2026-01-15."."""
        return self.detail.replace("{at}", _day(self.at)) if self.at else self.detail

    @property
    def parts(self) -> tuple[str, str]:
        """The detail's words before its date and after it."""
        before, _, after = self.detail.partition("{at}")
        return before, after


def _ages() -> tuple[datetime, datetime]:
    now = timezone.now()
    return (
        now - timedelta(days=settings.DASHBOARD_SECRET_ROTATION_DAYS),
        now - timedelta(days=settings.DASHBOARD_SECRET_UNUSED_DAYS),
    )


def _day(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


def _secret_findings(rows, rotation_cutoff: datetime, unused_cutoff: datetime):
    checked = rows.filter(secrets_checked_at__isnull=False)
    # Public OAuth clients prove themselves with PKCE and may rightly have no secret.
    needs_secret = checked.filter(Q(application_type="m2m") | Q(uses_pkce=False))
    without = needs_secret.exclude(Exists(IndexedSecret.objects.filter(application=OuterRef("pk"))))
    for row in without:
        yield Finding(PROBLEMS["no_secret"], row, "No secret at all.")
    secrets = IndexedSecret.objects.filter(application__in=checked).select_related("application")
    for secret in secrets.filter(created_at__lt=rotation_cutoff).order_by("created_at"):
        yield Finding(
            PROBLEMS["rotation_due"],
            secret.application,
            f"Secret …{secret.secret_hint} created {{at}}.",
            secret.created_at,
        )
    never = secrets.filter(last_used_at__isnull=True, created_at__lt=unused_cutoff)
    for secret in never.order_by("created_at"):
        yield Finding(
            PROBLEMS["never_used"],
            secret.application,
            f"Secret …{secret.secret_hint} created {{at}}, never used.",
            secret.created_at,
        )
    for secret in secrets.filter(last_used_at__lt=unused_cutoff).order_by("last_used_at"):
        yield Finding(
            PROBLEMS["unused"],
            secret.application,
            f"Secret …{secret.secret_hint} last used {{at}}.",
            secret.last_used_at,
        )
    crowded = checked.annotate(active=Count("secrets")).filter(active__gt=2)
    for row in crowded:
        yield Finding(PROBLEMS["too_many_secrets"], row, f"{row.active} active secrets.")


def findings(environment: str, *, application_ids: list[str] | None = None) -> list[Finding]:
    """Everything that needs attention in `environment` (or in these applications), in the
    order of PROBLEMS."""
    rows = IndexedApplication.objects.filter(environment=environment)
    if application_ids is not None:
        rows = rows.filter(application_id__in=application_ids)
    rotation_cutoff, unused_cutoff = _ages()
    found = list(_secret_findings(rows, rotation_cutoff, unused_cutoff))
    if Sync.objects.filter(environment=environment, completed_at__isnull=False).exists():
        # Only once a full sync has read every organization can one be known to be gone.
        orphans = (
            rows.filter(application_type="oauth", is_first_party=False)
            .exclude(organization_id="")
            .exclude(
                Exists(
                    IndexedOrganization.objects.filter(
                        environment=environment, organization_id=OuterRef("organization_id")
                    )
                )
            )
        )
        for row in orphans:
            found.append(
                Finding(PROBLEMS["organization_gone"], row, f"Organization {row.organization_id}.")
            )
    configured = environments.get(environment)
    if configured and configured.production:
        for row in rows.filter(redirect_uris__icontains="http:"):
            plain = [uri for uri in row.redirect_uris if not uri.lower().startswith("https:")]
            if plain:
                found.append(Finding(PROBLEMS["insecure_redirect"], row, ", ".join(plain)))
    order = list(PROBLEMS)
    return sorted(found, key=lambda f: (order.index(f.problem.key), f.application.folded_name))


def by_application(environment: str, application_ids: list[str]) -> dict[str, list[Finding]]:
    """The findings of these applications, by application ID: the list's column."""
    grouped = defaultdict(list)
    for finding in findings(environment, application_ids=application_ids):
        grouped[finding.application.application_id].append(finding)
    return dict(grouped)


def unchecked(environment: str) -> int:
    """How many applications' secrets the index has never read."""
    return IndexedApplication.objects.filter(
        environment=environment, secrets_checked_at__isnull=True
    ).count()


def why(problem: Problem) -> str:
    return problem.why.format(
        rotation=settings.DASHBOARD_SECRET_ROTATION_DAYS,
        unused=settings.DASHBOARD_SECRET_UNUSED_DAYS,
    )
