from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError

from dashboard.web.roles import ROLES, ensure_roles


class Command(BaseCommand):
    help = "Grant or remove a dashboard role (Viewer, Editor, Admin), or list who has which."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        for action in ("grant", "remove"):
            sub = actions.add_parser(action, help=f"{action} a role")
            sub.add_argument("username")
            sub.add_argument("role", choices=list(ROLES))
        actions.add_parser("list", help="who has which role")

    def handle(self, *args, action: str, **options):
        ensure_roles(Group, Permission)
        if action == "list":
            for user in get_user_model().objects.order_by("username").prefetch_related("groups"):
                roles = [group.name for group in user.groups.all() if group.name in ROLES]
                if user.is_superuser:
                    roles.append("Admin (superuser)")
                self.stdout.write(f"{user.get_username()}: {', '.join(roles) or 'no role'}")
            return
        username, role = options["username"], options["role"]
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        group = Group.objects.get(name=role)
        if action == "grant":
            user.groups.add(group)
            self.stdout.write(f"{username} is now {role}.")
        else:
            user.groups.remove(group)
            self.stdout.write(f"{username} is no longer {role}.")
