"""End users as the authorization server sees them: the embedded User Management users."""

import time
from dataclasses import dataclass

from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oidc.core import UserInfo

from dashboard.emulator.user_management import store as users


@dataclass
class EndUser:
    id: str
    email: str
    first_name: str | None
    last_name: str | None
    email_verified: bool
    # The user's `roles` metadata (comma-separated), given as the `roles` claim: what an
    # identity provider's groups or roles are to the applications that sign people in.
    roles: tuple[str, ...] = ()
    # What the sign-in and consent decided: the organization the tokens are for, the consent.
    organization_id: str | None = None
    consent_id: str | None = None
    auth_time: int = 0

    @classmethod
    def _of(cls, user, **decided) -> "EndUser":
        return cls(
            id=user.id,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            email_verified=bool(user.email_verified),
            roles=tuple(
                role.strip()
                for role in (user.metadata or {}).get("roles", "").split(",")
                if role.strip()
            ),
            **decided,
        )

    @classmethod
    def load(
        cls, user_id: str, organization_id: str | None = None, consent_id: str | None = None
    ) -> "EndUser | None":
        user = users.user_find(user_id)
        if user is None:
            return None
        return cls._of(user, organization_id=organization_id, consent_id=consent_id)

    @classmethod
    def sign_in(cls, email: str, password: str) -> "EndUser | None":
        user = users.user_authenticate(email, password)
        if user is None:
            return None
        users.user_record_sign_in(user)
        return cls._of(user, auth_time=int(time.time()))

    def get_user_id(self) -> str:
        return self.id

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def info(self, scope: str) -> UserInfo:
        """The OpenID claims `scope` allows: profile and email ones on request."""
        scopes = scope_to_list(scope) or []
        claims = {"sub": self.id}
        if "profile" in scopes:
            claims |= {
                "name": self.name or None,
                "given_name": self.first_name,
                "family_name": self.last_name,
            }
        if "email" in scopes:
            claims |= {"email": self.email, "email_verified": self.email_verified}
        if self.roles and "profile" in scopes:
            claims["roles"] = list(self.roles)
        return UserInfo({name: value for name, value in claims.items() if value is not None})
