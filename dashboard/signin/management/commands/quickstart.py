import secrets
import signal
import socket
import subprocess
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from dashboard.connect import backend
from dashboard.emulator import partition
from dashboard.emulator.errors import ApiProblem
from dashboard.emulator.models import Application
from dashboard.emulator.models import User as EndUser
from dashboard.emulator.seed import (
    DEMO_PASSWORD,
    STAFF,
    USERS,
    ensure_staff_users,
    seed_demo_data,
    staff_sign_on_client,
)
from dashboard.emulator.user_management.store import user_authenticate
from dashboard.env import env_str
from dashboard.kernel.models import EmbeddedSignOn, SignOnRole
from dashboard.promotion import services as promotion
from dashboard.signin.sso import EMBEDDED_ISSUER

ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Set up and run the dashboard: migrate, create the `admin` user, seed the embedded API "
        "with demo data when it is empty, then serve, with the background worker beside the "
        "server. Running it again keeps all data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport",
            nargs="?",
            default="127.0.0.1:8000",
            help="Where to serve (default 127.0.0.1:8000).",
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Set everything up, then stop instead of serving.",
        )

    def handle(self, *args, addrport: str, no_serve: bool, **options):
        if not no_serve:
            self._check_free(addrport)
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database ready.")
        password = self._ensure_admin()
        current = backend()
        if current.embedded:
            created = seed_demo_data()
            if created:
                counts = ", ".join(f"{count} in {name}" for name, count in created.items())
                self.stdout.write(f"Embedded API seeded with demo applications: {counts}.")
                _link_demo_promotions()
            else:
                self.stdout.write("Embedded API already has data; kept as it is.")
        else:
            self.stdout.write(f"Managing {current.label}; nothing seeded.")

        host, _, port = addrport.rpartition(":")
        url = f"http://{host or '127.0.0.1'}:{port}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Open {url} and sign in as `{ADMIN_USERNAME}`"))
        if password:
            self.stdout.write(
                f"  password: {password}\n"
                "  (generated now and shown only this once; change it with "
                "`python manage.py changepassword admin`)"
            )
        elif password == "":
            self.stdout.write("  with the password from DASHBOARD_ADMIN_PASSWORD.")
        else:
            self.stdout.write(
                "  with the password it already has "
                "(reset it with `python manage.py changepassword admin`)."
            )
        if current.embedded:
            self.stdout.write(
                f"Embedded Connect API: {url}emulator/connect/applications "
                f"(Authorization: Bearer {settings.WORKOS_EMULATOR_API_KEY} for the sandbox, "
                f"{settings.WORKOS_EMULATOR_PRODUCTION_API_KEY} for production)"
            )
            self._show_demo_user()
        if current.embedded and not settings.DASHBOARD_OIDC_ISSUER:
            self._ensure_sign_on(addrport)
        if not no_serve:
            self._serve(addrport)

    def _serve(self, addrport: str) -> None:
        """The server, and beside it the worker that keeps the search index fresh: one
        command starts everything, and stopping it stops both."""
        worker = subprocess.Popen(  # noqa: S603 - this interpreter and this project's manage.py
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "connect", "worker"]
        )
        self.stdout.write(f"Background worker started (process {worker.pid}).")
        # Stopped by a signal rather than Ctrl+C (a service manager, `kill`): end as if by
        # Ctrl+C, so that the worker is stopped too rather than left running.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()

    def _show_demo_user(self) -> None:
        """How to sign in as a seeded end user, while the demo password still works."""
        _, _, email = USERS[0]
        if user_authenticate(email, DEMO_PASSWORD):
            self.stdout.write(
                f"Demo end user for the authorization server's sign-in: {email}, "
                f"with the password {DEMO_PASSWORD}"
            )

    def _ensure_sign_on(self, addrport: str) -> None:
        """Staff single sign-on with no identity provider: the dashboard as a client of the
        embedded authorization server, and an end user per role to sign in as."""
        host, _, port = addrport.rpartition(":")
        host = host or "127.0.0.1"
        hosts = [host, "localhost"] if host == "127.0.0.1" else [host]
        callbacks = [f"http://{name}:{port}/sso/callback" for name in hosts]
        registered = EmbeddedSignOn.objects.first()
        try:
            app = staff_sign_on_client(callbacks, registered.application_id if registered else None)
        except ApiProblem as problem:
            # A host the embedded server refuses for a plain-http redirect URI (not loopback).
            self.stdout.write(f"Single sign-on not set up for {addrport}: {problem.message}")
            return
        if registered is None or registered.application_id != app.id:
            EmbeddedSignOn.objects.all().delete()
            EmbeddedSignOn.objects.create(client_id=app.client_id, application_id=app.id)
        roles = ensure_staff()
        people = ", ".join(f"{email} ({roles.get(email, 'no role')})" for _, _, email, _ in STAFF)
        self.stdout.write(
            f"Single sign-on: “Sign in with SSO” on the sign-in page, as {people}, "
            f"with the password {DEMO_PASSWORD}. Their roles apply in the sandbox; in "
            "production only by `python manage.py sso_roles grant ... --environment production`."
        )

    def _check_free(self, addrport: str) -> None:
        """Stop before setting anything up when the address is taken, rather than print
        where to sign in and then fail to serve there."""
        host, _, port = addrport.rpartition(":")
        host = (host or "127.0.0.1").strip("[]")
        try:
            with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
                # As the server will: a port left in TIME_WAIT is free, a listening one not.
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((host, int(port)))
        except (OSError, ValueError) as error:
            raise CommandError(
                f"Cannot serve on {addrport} ({error}). Give another address, for example "
                "`python manage.py quickstart 127.0.0.1:9000`."
            ) from error

    def _ensure_admin(self) -> str | None:
        """Create the admin user if missing; answer a password to show, if there is one."""
        users = get_user_model()
        if users.objects.filter(username=ADMIN_USERNAME).exists():
            return None
        from_environment = env_str("DASHBOARD_ADMIN_PASSWORD", "")
        password = from_environment or secrets.token_urlsafe(12)
        users.objects.create_superuser(ADMIN_USERNAME, email="", password=password)
        self.stdout.write(f"Created the `{ADMIN_USERNAME}` user.")
        return "" if from_environment else password


def ensure_staff() -> dict[str, str]:
    """The STAFF end users of the embedded sandbox, made if missing, each one made now given
    its role by a mapping of its subject (never by its metadata, which anyone with the
    sandbox's API key writes): a user someone else made there, under a staff address or not,
    gets no role. Answers the role each staff address's user has, by its mapping."""
    emails = [email for _, _, email, _ in STAFF]
    with partition.override(partition.SANDBOX):
        existing = set(EndUser.objects.filter(email__in=emails).values_list("email", flat=True))
        ensure_staff_users()
        subjects = dict(EndUser.objects.filter(email__in=emails).values_list("email", "id"))
    for _, _, email, role in STAFF:
        if role and email not in existing:
            SignOnRole.objects.update_or_create(
                issuer=EMBEDDED_ISSUER,
                subject=subjects[email],
                environment="",
                defaults={"role": role.capitalize()},
            )
    mapped = SignOnRole.objects.filter(
        issuer=EMBEDDED_ISSUER, subject__in=subjects.values(), environment=""
    )
    role_of = dict(mapped.values_list("subject", "role"))
    return {email: role_of[subject] for email, subject in subjects.items() if subject in role_of}


def _link_demo_promotions() -> None:
    """The demo's production applications are the sandbox's, as promoted: link each pair as
    a copy through the dashboard would, with the redirect URIs production refused dropped,
    so that either page shows the other and how they have drifted apart."""
    with partition.override(partition.SANDBOX):
        sandbox = {app.name: app for app in Application.objects.all()}
    with partition.override(partition.PRODUCTION):
        promoted = list(Application.objects.all())
    for app in promoted:
        source = sandbox[app.name]
        kept = {entry["uri"] for entry in app.redirect_uris}
        dropped = [entry["uri"] for entry in source.redirect_uris if entry["uri"] not in kept]
        promotion.promotion_link(
            source=(partition.SANDBOX, source.id),
            target=(partition.PRODUCTION, app.id),
            application_name=app.name,
            by="quickstart",
            dropped_redirect_uris=dropped,
        )
