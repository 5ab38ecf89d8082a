from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from dashboard import environments
from dashboard.kernel.models import SignOnRole
from dashboard.kernel.roles import ROLES
from dashboard.signin.sso import EMBEDDED_ISSUER


class Command(BaseCommand):
    help = (
        "Map a single sign-on identity, its issuer and subject, to a dashboard role "
        "(Viewer, Editor, Admin), everywhere or with --environment in one environment only; "
        "remove a mapping; or list them. A mapping takes effect at that identity's next "
        f"sign-in. The embedded authorization server's issuer is {EMBEDDED_ISSUER}; a role "
        "everywhere of one of its identities applies everywhere but in production."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        for action in ("grant", "remove"):
            sub = actions.add_parser(action, help=f"{action} a mapping")
            sub.add_argument("issuer", help=f"the provider's issuer URL, or {EMBEDDED_ISSUER}")
            sub.add_argument("subject", help="the identity's subject (the `sub` claim)")
            if action == "grant":
                sub.add_argument("role", choices=list(ROLES))
            sub.add_argument(
                "--environment",
                metavar="NAME",
                default="",
                help="in this environment only, in place of the role everywhere",
            )
        actions.add_parser("list", help="every mapping")

    def handle(self, *args, action: str, **options):
        if action == "list":
            for mapping in SignOnRole.objects.all():
                self.stdout.write(str(mapping))
            return
        issuer, subject = options["issuer"].rstrip("/"), options["subject"]
        environment = options["environment"]
        if action == "remove":
            self._remove(issuer, subject, environment)
            return
        _check_issuer(issuer)
        if not subject or len(subject) > 255:
            raise CommandError("A subject is 1 to 255 characters.")
        if environment and environments.get(environment) is None:
            names = ", ".join(known.name for known in environments.all())
            raise CommandError(
                f"No environment named {environment!r}: the environments are {names}."
            )
        mapping, _ = SignOnRole.objects.update_or_create(
            issuer=issuer,
            subject=subject,
            environment=environment,
            defaults={"role": options["role"]},
        )
        self.stdout.write(f"{mapping}, from the next sign-in.")

    def _remove(self, issuer: str, subject: str, environment: str) -> None:
        removed, _ = SignOnRole.objects.filter(
            issuer=issuer, subject=subject, environment=environment
        ).delete()
        where = f" in {environment}" if environment else " everywhere"
        if not removed:
            self.stdout.write(f"{subject} at {issuer} had no role{where}: nothing changed.")
            return
        self.stdout.write(
            f"{subject} at {issuer} has no role{where} from the next sign-in; until then "
            "their dashboard user keeps it (`python manage.py roles remove` takes it now)."
        )


def _check_issuer(issuer: str) -> None:
    if issuer == EMBEDDED_ISSUER:
        return
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname or len(issuer) > 500:
        raise CommandError(
            f"The issuer is the provider's issuer URL (its ID tokens' `iss`), or "
            f"{EMBEDDED_ISSUER} for the embedded authorization server; not {issuer!r}."
        )
