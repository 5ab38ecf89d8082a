"""Demo data for an empty embedded API: in the sandbox, organizations, permissions, about
40 applications and a few end users who can sign in with `DEMO_PASSWORD`; in production, the
same organizations, permissions and users, and a few of the sandbox's applications as they
would look once promoted (https only), one of them since changed in the sandbox.

Everything goes through the same validation and store functions as a request over
HTTP, so the demo data obeys the API's rules.
"""

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import transaction

from . import partition, store, validation
from .ids import now
from .models import Application, Organization, User
from .user_management import store as user_store
from .user_management import validation as user_validation

ORGANIZATIONS = [
    ("Acme Corporation", ["acme.example"]),
    ("Globex", ["globex.example"]),
    ("Initech", ["initech.example"]),
    ("Umbrella Health", ["umbrella-health.example"]),
]

PERMISSIONS = [
    ("documents:read", "Read documents", "View document contents and metadata."),
    ("documents:write", "Write documents", "Create and edit documents."),
    ("billing:read", "Read billing", "View invoices and payment methods."),
    ("billing:manage", "Manage billing", "Change plans and payment methods."),
    ("users:read", "Read users", "List users and their roles."),
    ("users:manage", "Manage users", "Invite, update and remove users."),
    ("reports:export", "Export reports", "Download reports as CSV."),
    ("api:admin", "API administration", "Full access to the public API."),
]

FIRST_PARTY = [
    "Customer Portal",
    "Admin Console",
    "Mobile App (iOS)",
    "Mobile App (Android)",
    "Desktop Client",
    "Support Desk",
    "Marketing Site",
    "Developer Docs",
    "CLI",
    "Internal Wiki",
    "Status Page",
    "Partner Hub",
]
THIRD_PARTY = [
    "Zapier Integration",
    "Slack Bot",
    "Salesforce Sync",
    "Tableau Connector",
    "HubSpot Bridge",
    "Jira Plugin",
    "Notion Importer",
    "Looker Studio",
    "Figma Plugin",
    "Zendesk App",
    "Intercom Messenger",
    "Asana Sync",
    "Dropbox Backup",
    "Miro Board",
]
M2M = [
    "Nightly Billing Export",
    "Audit Log Shipper",
    "Search Indexer",
    "Data Warehouse Loader",
    "Fraud Scoring Service",
    "Email Dispatcher",
    "Backup Agent",
    "Metrics Collector",
    "Provisioning Worker",
    "Webhook Relay",
    "Report Generator",
    "Cache Warmer",
]

# Demo end users: first name, last name, email. They all sign in with DEMO_PASSWORD.
USERS = [
    ("Alice", "Anderson", "alice@acme.example"),
    ("Bob", "Baker", "bob@globex.example"),
    ("Carol", "Chen", "carol@initech.example"),
]
DEMO_PASSWORD = "demo-password-2026"

# The dashboard's own staff, for its single sign-on at the embedded authorization server:
# one per role (the `roles` metadata becomes the ID token's `roles` claim), and one without.
STAFF = [
    ("Vera", "Viewer", "viewer@staff.example", "viewer"),
    ("Eddie", "Editor", "editor@staff.example", "editor"),
    ("Ada", "Admin", "admin@staff.example", "admin"),
    ("Gus", "Guest", "guest@staff.example", ""),
]
STAFF_CLIENT_NAME = "Connect dashboard (staff sign-in)"

# Long enough for an application a day, each older than the last week of secret use.
HISTORY = timedelta(days=60)


def _slug(name: str) -> str:
    return "".join(char if char.isalnum() else "-" for char in name.lower()).strip("-")


def _create(body: dict, created_at: datetime, **extra) -> Application:
    return store.application_create(
        **validation.application_create(body), created_at=created_at, **extra
    )


def is_empty() -> bool:
    """Whether neither environment of the embedded API holds anything yet."""
    for environment in partition.ENVIRONMENTS:
        with partition.override(environment):
            if Application.objects.exists() or Organization.objects.exists():
                return False
            if User.objects.exists():
                return False
    return True


@transaction.atomic
def seed_demo_data() -> dict[str, int]:
    """Fill an empty embedded API; answer how many applications each environment got
    (nothing when it already held data)."""
    if not is_empty():
        return {}
    seeded_at = now()
    with partition.override(partition.SANDBOX):
        sandbox = _seed_sandbox(seeded_at)
    with partition.override(partition.PRODUCTION):
        production = _seed_production(seeded_at, sandbox)
    return {partition.SANDBOX: len(sandbox), partition.PRODUCTION: len(production)}


def _seed_shared(start: datetime) -> list[Organization]:
    """What both environments have: organizations, permissions and end users."""
    organizations = [
        store.organization_create(
            name=name,
            domains=[(domain, "verified") for domain in domains],
            metadata={},
            external_id=None,
            created_at=start,
        )
        for name, domains in ORGANIZATIONS
    ]
    for slug, name, description in PERMISSIONS:
        store.permission_create(
            slug=slug,
            name=name,
            description=description,
            resource_type_slug="environment",
            created_at=start,
        )
    for index, (first_name, last_name, email) in enumerate(USERS):
        user_store.user_create(
            **user_validation.user_create(
                {
                    "email": email,
                    "password": DEMO_PASSWORD,
                    "first_name": first_name,
                    "last_name": last_name,
                    "name": f"{first_name} {last_name}",
                    "email_verified": True,
                }
            ),
            created_at=start + timedelta(hours=index),
        )
    return organizations


def _seed_sandbox(seeded_at: datetime) -> list[Application]:
    # A history for the demo: organizations and permissions first, then an application a
    # day; a secret a day after its application, and used (if at all) in the last 8 days.
    start = seeded_at - HISTORY
    app_dates: Iterator[datetime] = (start + timedelta(days=day) for day in itertools.count(1))
    organizations = _seed_shared(start)
    slugs = [slug for slug, _, _ in PERMISSIONS]
    apps: list[Application] = []
    for index, name in enumerate(FIRST_PARTY):
        host = f"{_slug(name)}.example.com"
        apps.append(
            _create(
                {
                    "application_type": "oauth",
                    "name": name,
                    "is_first_party": True,
                    "description": f"First-party sign-in for the {name}.",
                    "uses_pkce": index % 3 != 0,
                    "scopes": ["openid", "profile", "email", *slugs[index % 4 : index % 4 + 2]],
                    "redirect_uris": [
                        {"uri": f"https://{host}/auth/callback", "default": True},
                        {"uri": f"https://staging.{host}/auth/callback"},
                        *([{"uri": "http://127.0.0.1:8080/callback"}] if index % 2 else []),
                    ],
                    "cors_origins": [f"https://{host}"] if index % 2 == 0 else [],
                },
                next(app_dates),
            )
        )
    for index, name in enumerate(THIRD_PARTY):
        org = organizations[index % len(organizations)]
        apps.append(
            _create(
                {
                    "application_type": "oauth",
                    "name": name,
                    "is_first_party": False,
                    "organization_id": org.id,
                    "description": f"{name} for {org.name}." if index % 3 else None,
                    "uses_pkce": index % 2 == 0,
                    "scopes": ["openid", "email", slugs[index % len(slugs)]],
                    "redirect_uris": [
                        {"uri": f"https://{_slug(name)}.partner.example/oauth/callback"}
                    ],
                },
                next(app_dates),
            )
        )
    for index, name in enumerate(M2M):
        org = organizations[index % len(organizations)]
        apps.append(
            _create(
                {
                    "application_type": "m2m",
                    "name": name,
                    "organization_id": org.id,
                    "description": f"Service account of {org.name}.",
                    "scopes": slugs[index % 3 : index % 3 + 3],
                },
                next(app_dates),
            )
        )
    apps.append(
        _create(
            {
                "application_type": "oauth",
                "name": "MCP client (dynamically registered)",
                "is_first_party": False,
                "organization_id": organizations[0].id,
                "uses_pkce": True,
                "scopes": ["openid"],
                "redirect_uris": [{"uri": "http://127.0.0.1:33418/oauth/callback"}],
            },
            next(app_dates),
            was_dynamically_registered=True,
        )
    )
    for index, app in enumerate(apps):
        if index % 4 == 1 or app.application_type == Application.M2M:
            created_at = app.created_at + timedelta(days=1)
            secret, _ = store.client_secret_create(app, created_at=created_at)
            if index % 3:
                secret.last_used_at = seeded_at - timedelta(hours=index * 5)
                secret.save(update_fields=["last_used_at"])
    # Something for credential health to show: a secret nobody has used for weeks, and an
    # application holding more secrets than a rotation needs.
    by_name = {app.name: app for app in apps}
    idle = by_name["Nightly Billing Export"].client_secrets.get()
    idle.last_used_at = idle.created_at + timedelta(days=1)
    idle.save(update_fields=["last_used_at"])
    crowded = by_name["Webhook Relay"]
    for days in (2, 3):
        store.client_secret_create(crowded, created_at=crowded.created_at + timedelta(days=days))
    return apps


# Sandbox applications that production has too, as promoted: https redirect URIs only.
PROMOTED = ["Customer Portal", "Admin Console", "Slack Bot", "Nightly Billing Export"]


def _seed_production(seeded_at: datetime, sandbox: list[Application]) -> list[Application]:
    start = seeded_at - HISTORY
    organizations = {org.name: org for org in _seed_shared(start)}
    apps = []
    for index, source in enumerate(app for app in sandbox if app.name in PROMOTED):
        body = {
            "application_type": source.application_type,
            "name": source.name,
            "description": source.description,
            "scopes": source.scopes,
        }
        if source.organization_id:
            body["organization_id"] = organizations[source.organization.name].id
        if source.application_type == Application.OAUTH:
            body |= {
                "is_first_party": source.is_first_party,
                "uses_pkce": source.uses_pkce,
                "redirect_uris": [
                    entry for entry in source.redirect_uris if entry["uri"].startswith("https:")
                ],
                "cors_origins": source.cors_origins,
            }
        if index == 0:
            # Changed in the sandbox since: the demo's drift between the two.
            body["scopes"] = [scope for scope in source.scopes if scope != "email"]
            body["description"] = "First-party sign-in for the Customer Portal (v1)."
        created_at = source.created_at + timedelta(days=7)
        app = _create(body, created_at)
        store.client_secret_create(app, created_at=created_at + timedelta(hours=1))
        apps.append(app)
    return apps


def staff_sign_on_client(redirect_uris: list[str], application_id: str | None) -> Application:
    """The sandbox's first-party client the dashboard signs its staff in with (a public
    client: PKCE, no secret), made if missing, with `redirect_uris` registered."""
    with partition.override(partition.SANDBOX):
        app = Application.objects.filter(id=application_id).first() if application_id else None
        if app is None:
            return _create(
                {
                    "application_type": "oauth",
                    "name": STAFF_CLIENT_NAME,
                    "description": "The dashboard's own sign-in for its staff.",
                    "is_first_party": True,
                    "uses_pkce": True,
                    "scopes": [],
                    "redirect_uris": [
                        {"uri": uri, "default": index == 0}
                        for index, uri in enumerate(redirect_uris)
                    ],
                },
                now(),
            )
        registered = [entry["uri"] for entry in app.redirect_uris]
        missing = [{"uri": uri} for uri in redirect_uris if uri not in registered]
        if missing:
            body = {"redirect_uris": app.redirect_uris + missing}
            app = store.application_update(app, validation.application_update(body, app))
        return app


def ensure_staff_users() -> None:
    """The STAFF end users of the sandbox, made if missing."""
    with partition.override(partition.SANDBOX):
        for first_name, last_name, email, roles in STAFF:
            if User.objects.filter(email=email).exists():
                continue
            user_store.user_create(
                **user_validation.user_create(
                    {
                        "email": email,
                        "password": DEMO_PASSWORD,
                        "first_name": first_name,
                        "last_name": last_name,
                        "email_verified": True,
                        "metadata": {"roles": roles} if roles else {},
                    }
                )
            )
