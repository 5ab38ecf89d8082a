"""Credential health: what needs attention in an environment's applications, from the index.

The index holds each application's client secrets' dates (never the secrets) once a sync or
the application's page has read them; an application whose secrets were never read is left
out of the secret checks, and the page says how many those are.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
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


# The tables the statement of `findings` names.
TABLES = {
    "applications": IndexedApplication._meta.db_table,
    "secrets": IndexedSecret._meta.db_table,
    "organizations": IndexedOrganization._meta.db_table,
    "syncs": Sync._meta.db_table,
}


def _branches(rotation_cutoff: datetime, unused_cutoff: datetime, production: bool) -> list:
    """Each kind of finding as a part of one statement, with its values: the problem, the
    application's row key, and the secret's hint, date and count where the problem has them.
    `{scope}` stands for the applications asked about. The rules are SQL so that only the
    rows with a problem leave the database, in one statement: as querysets they were seven
    statements, built and compiled anew for every page of the list."""
    from_secrets = (
        " FROM {secrets} s JOIN {applications} a ON a.row_id = s.application_id"
        " WHERE {scope} AND a.secrets_checked_at IS NOT NULL"
    )
    branches = [
        (
            # The first part types the columns: PostgreSQL types a bare NULL as text there,
            # which no later part's count then matches.
            "SELECT 'no_secret' AS problem, a.row_id AS app, '' AS hint, NULL AS at,"
            " CAST(NULL AS BIGINT) AS active FROM {applications} a"
            " WHERE {scope} AND a.secrets_checked_at IS NOT NULL"
            # Public OAuth clients prove themselves with PKCE and may rightly have no secret.
            " AND (a.application_type = 'm2m' OR a.uses_pkce = %s)"
            " AND NOT EXISTS (SELECT 1 FROM {secrets} s WHERE s.application_id = a.row_id)",
            [False],
        ),
        (
            "SELECT 'rotation_due', a.row_id, s.secret_hint, s.created_at, NULL"
            + from_secrets
            + " AND s.created_at < %s",
            [rotation_cutoff],
        ),
        (
            "SELECT 'never_used', a.row_id, s.secret_hint, s.created_at, NULL"
            + from_secrets
            + " AND s.last_used_at IS NULL AND s.created_at < %s",
            [unused_cutoff],
        ),
        (
            "SELECT 'unused', a.row_id, s.secret_hint, s.last_used_at, NULL"
            + from_secrets
            + " AND s.last_used_at < %s",
            [unused_cutoff],
        ),
        (
            "SELECT 'too_many_secrets', a.row_id, '', NULL, COUNT(*)"
            + from_secrets
            + " GROUP BY a.row_id HAVING COUNT(*) > 2",
            [],
        ),
        (
            "SELECT 'organization_gone', a.row_id, '', NULL, NULL FROM {applications} a"
            " WHERE {scope} AND a.application_type = 'oauth' AND a.is_first_party = %s"
            " AND a.organization_id <> ''"
            " AND NOT EXISTS (SELECT 1 FROM {organizations} o"
            " WHERE o.environment = a.environment AND o.organization_id = a.organization_id)"
            # Only once a full sync has read every organization can one be known to be gone.
            " AND EXISTS (SELECT 1 FROM {syncs} y"
            " WHERE y.environment = a.environment AND y.completed_at IS NOT NULL)",
            [False],
        ),
    ]
    if production:
        branches.append(
            (
                "SELECT 'insecure_redirect', a.row_id, '', NULL, NULL FROM {applications} a"
                " WHERE {scope} AND LOWER(CAST(a.redirect_uris AS TEXT)) LIKE %s",
                ["%http:%"],
            )
        )
    return branches


def _datetime(value) -> datetime | None:
    """A date of the statement's own columns, which the database driver gives as it stores
    them (text on SQLite)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def _finding(row: IndexedApplication) -> Finding | None:
    problem = PROBLEMS[row.problem]
    at = _datetime(row.at)
    match problem.key:
        case "no_secret":
            return Finding(problem, row, "No secret at all.")
        case "rotation_due":
            return Finding(problem, row, f"Secret …{row.hint} created {{at}}.", at)
        case "never_used":
            return Finding(problem, row, f"Secret …{row.hint} created {{at}}, never used.", at)
        case "unused":
            return Finding(problem, row, f"Secret …{row.hint} last used {{at}}.", at)
        case "too_many_secrets":
            return Finding(problem, row, f"{row.active} active secrets.")
        case "organization_gone":
            return Finding(problem, row, f"Organization {row.organization_id}.")
    plain = [uri for uri in row.redirect_uris if not uri.lower().startswith("https:")]
    return Finding(problem, row, ", ".join(plain)) if plain else None


def findings(environment: str, *, application_ids: list[str] | None = None) -> list[Finding]:
    """Everything that needs attention in `environment` (or in these applications), in the
    order of PROBLEMS: one statement."""
    if application_ids is not None and not application_ids:
        return []
    scope, asked, parameters = "a.environment = %s", "", []
    if application_ids is not None:
        # The IDs once, for every part of the statement to read.
        asked = f"WITH asked(id) AS (VALUES {', '.join(['(%s)'] * len(application_ids))}) "
        scope += " AND a.application_id IN (SELECT id FROM asked)"
        parameters += application_ids
    configured = environments.get(environment)
    parts = []
    for sql, extra in _branches(*_ages(), production=bool(configured and configured.production)):
        parts.append(sql.format(**TABLES, scope=scope))
        parameters += [environment, *extra]
    statement = (
        f"{asked}SELECT a.*, f.problem, f.hint, f.at, f.active"
        f" FROM ({' UNION ALL '.join(parts)}) f"
        f" JOIN {TABLES['applications']} a ON a.row_id = f.app"
    )
    found = [
        finding
        for row in IndexedApplication.objects.raw(statement, parameters)
        if (finding := _finding(row))
    ]
    order = {key: position for position, key in enumerate(PROBLEMS)}
    return sorted(
        found,
        key=lambda f: (
            order[f.problem.key],
            f.application.folded_name,
            f.at or datetime.min.replace(tzinfo=UTC),
            f.application.row_id,
        ),
    )


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
