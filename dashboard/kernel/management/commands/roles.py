import getpass
import secrets
import sys

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dashboard import environments
from dashboard.kernel.models import EnvironmentRole
from dashboard.kernel.roles import ROLES, ensure_roles


class Command(BaseCommand):
    help = (
        "Grant or remove a dashboard role (Viewer, Editor, Admin), everywhere or with "
        "--environment in one environment only (where it takes the place of the role "
        "everywhere), or list who has which. `grant --create` makes the user first."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        for action in ("grant", "remove"):
            sub = actions.add_parser(action, help=f"{action} a role")
            sub.add_argument("username")
            sub.add_argument("role", choices=list(ROLES))
            sub.add_argument(
                "--environment",
                metavar="NAME",
                help="in this environment only, in place of the role everywhere",
            )
            if action == "grant":
                sub.add_argument(
                    "--create",
                    action="store_true",
                    help="make the user if there is none: the password is asked for on a "
                    "terminal, or else made up and printed once",
                )
                sub.add_argument("--email", default="", help="the new user's email address")
        listing = actions.add_parser("list", help="who has which role")
        listing.add_argument(
            "--environment", metavar="NAME", help="each user's role in this environment"
        )

    def handle(self, *args, action: str, environment: str | None = None, **options):
        ensure_roles(Group, Permission)
        unknown = environment is not None and environments.get(environment) is None
        # A grant left from an environment no longer configured can still be removed.
        leftover = EnvironmentRole.objects.filter(environment=environment).exists()
        if unknown and not (action == "remove" and leftover):
            names = ", ".join(known.name for known in environments.all())
            raise CommandError(
                f"No environment named {environment!r}: the environments are {names}."
            )
        if action == "list":
            self._list(environment)
            return
        username, role = options["username"], options["role"]
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            if not options.get("create"):
                raise CommandError(
                    f"No user named {username!r}. Add --create to make one "
                    f"(roles grant {username} {role} --create)."
                ) from None
            user = self._create(username, options["email"])
        if environment is not None:
            self._change_in(user, role, environment, grant=action == "grant")
            return
        group = Group.objects.get(name=role)
        if action == "grant":
            user.groups.add(group)
            self.stdout.write(f"{username} is now {role}.")
        else:
            user.groups.remove(group)
            self.stdout.write(f"{username} is no longer {role}.")

    def _create(self, username: str, email: str):
        user = get_user_model()(username=username, email=email)
        if sys.stdin.isatty():
            password = self._ask_password(user)
            told = ""
        else:
            password = secrets.token_urlsafe(18)
            told = f" Their password, shown this once: {password}"
        user.set_password(password)
        user.save()
        self.stdout.write(f"Created the user {username}.{told}")
        return user

    def _ask_password(self, user) -> str:
        for _ in range(3):
            password = getpass.getpass(f"Password for {user.get_username()}: ")
            if password != getpass.getpass("The same password again: "):
                self.stderr.write("The two passwords differ.")
                continue
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.stderr.write(" ".join(error.messages))
                continue
            return password
        raise CommandError("No password set: nothing was created.")

    def _change_in(self, user, role: str, environment: str, *, grant: bool) -> None:
        username = user.get_username()
        if grant:
            EnvironmentRole.objects.update_or_create(
                user=user, environment=environment, defaults={"role": role}
            )
            self.stdout.write(f"{username} is now {role} in {environment}.")
            return
        removed, _ = EnvironmentRole.objects.filter(
            user=user, environment=environment, role=role
        ).delete()
        if not removed:
            self.stdout.write(f"{username} was not {role} in {environment}: nothing changed.")
            return
        self.stdout.write(
            f"{username} is no longer {role} in {environment}; "
            f"their role there is now {_role_in(user, environment)}."
        )

    def _list(self, environment: str | None) -> None:
        users = (
            get_user_model()
            .objects.order_by("username")
            .prefetch_related("groups", "environment_roles")
        )
        if environment is not None:
            self.stdout.write(f"Roles in {environment}:")
        for user in users:
            if environment is not None:
                roles = _role_in(user, environment)
            else:
                roles = ", ".join(_roles(user)) or "no role"
            self.stdout.write(f"{user.get_username()}: {roles}")


def _global_roles(user) -> list[str]:
    return [group.name for group in user.groups.all() if group.name in ROLES]


def _roles(user) -> list[str]:
    """Every role of `user`: everywhere, then in each environment."""
    roles = _global_roles(user)
    for grant in user.environment_roles.all():
        configured = environments.get(grant.environment) is not None
        roles.append(
            f"{grant.role} in {grant.environment}" + ("" if configured else " (not configured)")
        )
    if user.is_superuser:
        roles.append("Admin (superuser)")
    return roles


def _role_in(user, environment: str) -> str:
    """The role `user` has in `environment`, and where it comes from."""
    if user.is_superuser:
        return "Admin (superuser)"
    grant = next(
        (grant for grant in user.environment_roles.all() if grant.environment == environment),
        None,
    )
    if grant is not None:
        return f"{grant.role} (in {environment})"
    roles = _global_roles(user)
    return f"{', '.join(roles)} (everywhere)" if roles else "no role"
