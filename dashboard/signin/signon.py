"""Who a single sign-on makes of someone: the dashboard user of the provider's subject
(created at the first sign-in), with the roles applied at every sign-in, and each sign-in,
refusal and role change in the audit trail.

The trust model. From every provider, the verified ID token's issuer and subject say who
someone is (never an email address alone). Their roles come from:

- the dashboard's own mappings of issuer and subject (SignOnRole: the staff `quickstart`
  seeded at the embedded server, and whoever `sso_roles grant` names), from any provider;
- the role claim, only from a provider whose claims no API key of a managed environment
  writes: the company's identity provider named by DASHBOARD_OIDC_ISSUER, unless
  DASHBOARD_OIDC_TRUST_ROLE_CLAIM is off or it is the AuthKit of an environment managed
  here. Never from the embedded server, whose users' metadata (its `roles` claim) anyone
  with the embedded sandbox's API key writes.

An identity a sandbox issued (the embedded server's, a sandbox's AuthKit) is only as safe as
that sandbox's API key, whose holder can also set its users' passwords: a role everywhere
mapped to it applies everywhere but in production, where only a mapping naming production
gives it one.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard import environments
from dashboard.audit.record import Action, Actor, Outcome, record
from dashboard.kernel.models import EnvironmentRole, SignOnIdentity, SignOnRole
from dashboard.kernel.roles import ROLES, ensure_roles

from .sso import Provider

RANK = list(ROLES)  # Viewer, Editor, Admin: each may do what the one before may.
DEFAULT_MAP = {role.lower(): [(role, None)] for role in ROLES}


class NoAccess(Exception):
    """The provider signed someone in whose claims map to no role here."""


@dataclass(frozen=True)
class Grants:
    """The roles a sign-in gives: everywhere, and per environment."""

    role: str | None = None
    environments: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.role or self.environments)

    def describe(self) -> str:
        parts = [self.role] if self.role else []
        parts += [f"{role} in {name}" for name, role in sorted(self.environments.items())]
        return ", ".join(parts) or "no role"

    def joined(self, other: "Grants") -> "Grants":
        """The higher of the two roles, everywhere and in each environment."""
        names = self.environments.keys() | other.environments.keys()
        return Grants(
            _highest(self.role, other.role),
            {name: _highest(self.environments.get(name), other.environments.get(name))
             for name in names},
        )  # fmt: skip

    def outside_production(self) -> "Grants":
        """The role everywhere in each environment but production's; the roles of named
        environments, production's included, as they are."""
        if self.role is None:
            return self
        spread = {env.name: self.role for env in environments.all() if not env.production}
        return Grants(None, spread | self.environments)


def claimed_values(claims: dict[str, Any]) -> list[str]:
    """The role claim's values: a string, or a list of them."""
    value = claims.get(settings.DASHBOARD_OIDC_ROLE_CLAIM)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _targets(value: str) -> list[tuple[str, str | None]]:
    """The roles (and their environments) a claim value maps to: as DASHBOARD_OIDC_ROLE_MAP
    says, or by the role's own name in any case when no map is configured."""
    if settings.DASHBOARD_OIDC_ROLE_MAP:
        return settings.DASHBOARD_OIDC_ROLE_MAP.get(value, [])
    return DEFAULT_MAP.get(value.lower(), [])


def grants_from(claims: dict[str, Any]) -> Grants:
    role, per_environment = None, {}
    for value in claimed_values(claims):
        for granted, environment in _targets(value):
            if environment is None:
                role = _higher(role, granted)
            else:
                per_environment[environment] = _higher(per_environment.get(environment), granted)
    return Grants(role, per_environment)


def _higher(current: str | None, other: str) -> str:
    return other if current is None or RANK.index(other) > RANK.index(current) else current


def _highest(*roles: str | None) -> str | None:
    given = [role for role in roles if role]
    return max(given, key=RANK.index) if given else None


def mapped_grants(issuer: str, subject: str) -> Grants:
    """The roles the dashboard's own mappings give this identity."""
    role, per_environment = None, {}
    for mapping in SignOnRole.objects.filter(issuer=issuer, subject=subject):
        if mapping.environment:
            per_environment[mapping.environment] = mapping.role
        else:
            role = mapping.role
    return Grants(role, per_environment)


def grants_for(provider: Provider, claims: dict[str, Any]) -> Grants:
    """The roles a sign-in gives, as the trust model (above) says."""
    grants = mapped_grants(provider.roles_issuer, str(claims["sub"]))
    if provider.role_claim_trusted:
        grants = grants.joined(grants_from(claims))
    return grants.outside_production() if provider.sandbox else grants


def grants_of(user) -> Grants:
    groups = [group.name for group in user.groups.all() if group.name in ROLES]
    role = max(groups, key=RANK.index) if groups else None
    return Grants(role, {grant.environment: grant.role for grant in user.environment_roles.all()})


def _audit(request, action: str, outcome: str, user, claims: dict, issuer: str, **fields):
    actor = Actor.of(request)
    record(
        Actor(user, user.get_username() if user else "", actor.ip),
        action,
        outcome=outcome,
        environment="",
        changes={"issuer": issuer, "subject": str(claims.get("sub", ""))}
        | fields.pop("changes", {}),
        **fields,
    )


def _username(claims: dict[str, Any]) -> str:
    """A free user name: the email address, else one made from the subject."""
    users = get_user_model()
    email = claims.get("email")
    if isinstance(email, str) and email and not users.objects.filter(username=email).exists():
        return email[:150]
    base = f"sso-{str(claims['sub'])[:100]}"
    name, number = base, 1
    while users.objects.filter(username=name).exists():
        number += 1
        name = f"{base}-{number}"
    return name


def _apply(user, grants: Grants) -> None:
    needed = {grants.role, *grants.environments.values()} - {None}
    if Group.objects.filter(name__in=needed).count() < len(needed):
        # The role groups come with the migrations; someone deleted them since.
        ensure_roles(Group, Permission)
    user.groups.set(Group.objects.filter(name=grants.role) if grants.role else [])
    EnvironmentRole.objects.filter(user=user).exclude(environment__in=grants.environments).delete()
    for environment, role in grants.environments.items():
        EnvironmentRole.objects.update_or_create(
            user=user, environment=environment, defaults={"role": role}
        )


def sign_in_user(request, provider: Provider, claims: dict[str, Any]):
    """The dashboard user the claims make, with their roles applied now; NoAccess when
    they give no role (any roles the user had are taken away)."""
    issuer = provider.issuer
    grants = grants_for(provider, claims)
    subject = str(claims["sub"])
    user = None
    with transaction.atomic():
        identity = (
            SignOnIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is None and grants:
            identity = _create(claims, issuer, subject)
        if identity is not None:
            user = identity.user
            _update_profile(user, claims)
            before = grants_of(user)
            if before != grants:
                _apply(user, grants)
                _audit(
                    request, Action.ROLE_CHANGED, Outcome.SUCCESS, user,
                    claims, issuer, detail=f"{before.describe()} → {grants.describe()}",
                    changes={"before": before.describe(), "after": grants.describe()},
                )  # fmt: skip
            if grants and user.is_active:
                identity.last_sign_in_at = timezone.now()
                identity.save(update_fields=["last_sign_in_at"])
    # Outside the transaction: a refusal keeps the roles it took away, and its record.
    if not grants or not user.is_active:
        reason = "No role" if not grants else "The account is deactivated"
        _audit(
            request, Action.SSO_REFUSED, Outcome.REFUSED, user, claims,
            issuer, detail=f"{reason}: {claims.get('email') or subject}.",
        )  # fmt: skip
        raise NoAccess
    _audit(
        request, Action.SSO_SIGN_IN, Outcome.SUCCESS, user, claims,
        issuer, detail=f"{grants.describe()}, as {subject} at {issuer}",
    )  # fmt: skip
    return user


def _create(claims: dict[str, Any], issuer: str, subject: str) -> SignOnIdentity:
    users = get_user_model()
    try:
        with transaction.atomic():
            user = users.objects.create_user(_username(claims))
            user.set_unusable_password()
            user.save()
            return SignOnIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    except IntegrityError:
        # Two first sign-ins of one person at once: the other made the user.
        return SignOnIdentity.objects.select_related("user").get(issuer=issuer, subject=subject)


def _update_profile(user, claims: dict[str, Any]) -> None:
    email = claims.get("email") if isinstance(claims.get("email"), str) else ""
    first = claims.get("given_name") if isinstance(claims.get("given_name"), str) else ""
    last = claims.get("family_name") if isinstance(claims.get("family_name"), str) else ""
    changed = (user.email, user.first_name, user.last_name) != (email, first[:150], last[:150])
    if changed:
        user.email, user.first_name, user.last_name = email[:254], first[:150], last[:150]
        user.save(update_fields=["email", "first_name", "last_name"])
