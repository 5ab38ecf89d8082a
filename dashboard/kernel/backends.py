"""Permissions per environment: a user holds the permissions of their role in the
environment the request works in (`environments.current()`).

A user's groups (Viewer, Editor, Admin) are their role in every environment, as before
there were several; an `EnvironmentRole` takes their place in its environment, so an Editor
may be a Viewer in production, or have no role there at all. Superusers are Admins
everywhere. `user.has_perm`, `requires(...)` and the templates' `perms` all answer for the
current environment with no change where they are called. A user's own permissions
(`user_permissions`, which the dashboard does not grant) count in every environment.
`with_perm` is ModelBackend's and knows nothing of environments; the dashboard does not
use it.
"""

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import QuerySet

from dashboard import environments

from .models import EnvironmentRole

# On the user object: {environment name: {"app_label.codename", ...}}.
CACHE = "_environment_perm_cache"


class EnvironmentRoleBackend(ModelBackend):
    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        # ModelBackend keeps one set per user object; one request may ask about several
        # environments (links into another one), so one set per environment.
        cache = user_obj.__dict__.setdefault(CACHE, {})
        name = environments.current().name
        if name not in cache:
            permissions = self._role_permissions(user_obj, name)
            cache[name] = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list(
                    "content_type__app_label", "codename"
                )
            }
        return cache[name]

    async def aget_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return await sync_to_async(self.get_group_permissions)(user_obj, obj)

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        # Not ModelBackend's, which caches one set for every environment.
        return BaseBackend.get_all_permissions(self, user_obj, obj=obj)

    def _role_permissions(self, user_obj: Any, environment: str) -> QuerySet[Permission]:
        if user_obj.is_superuser:
            return Permission.objects.all()
        role = (
            EnvironmentRole.objects.filter(user=user_obj, environment=environment)
            .values_list("role", flat=True)
            .first()
        )
        groups = Group.objects.filter(name=role) if role else user_obj.groups.all()
        return Permission.objects.filter(group__in=groups)


class SingleSignOnBackend(EnvironmentRoleBackend):
    """The backend of sessions begun by single sign-on (dashboard/signin/sso.py): the same
    permissions, but it takes no password, so a user created by a sign-on cannot be signed
    in with one. Naming it in the session tells sign-out to offer the provider's own."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        return None
