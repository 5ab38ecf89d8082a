"""`manage.py connect export|plan|apply`: an environment's Connect applications as a file;
`connect sync`: the dashboard's search index of them, brought up to date here and now;
`connect worker`: the background worker that runs syncs (and starts them when an index is
older than DASHBOARD_INDEX_MAX_AGE).

    manage.py connect export --environment sandbox [--format yaml|json] [-o FILE]
    manage.py connect plan FILE --environment production [--prune]
    manage.py connect apply FILE --environment production [--prune] [--yes]
    manage.py connect sync [--environment NAME]   (every environment without it)
    manage.py connect worker

FILE may be `-` for standard input. What a command says goes to standard output, and the
progress bar too, on a terminal only; an export written to standard output leaves it to
the file, and says the rest on standard error. Only failures are written as errors.
"""

import getpass
import json
import logging
import sys
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import DatabaseError, close_old_connections
from django.template.defaultfilters import pluralize
from django.utils import timezone

from dashboard import environments
from dashboard.audit.record import Actor
from dashboard.configuration import services
from dashboard.configuration.document import FORMATS, InvalidDocument, as_written
from dashboard.configuration.planning import Action, Plan
from dashboard.connect import errors
from dashboard.search import selectors, tasks

# Names of what the file does not list that a plan shows before "and N more".
SHOWN = 20


def _plain(text: str) -> str:
    return text


class Progress:
    """One line on a terminal, redrawn in place; nothing when the stream is not a terminal."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper):
        self.stream = stream
        self.shown = stream.isatty()
        self.length = 0

    def show(self, text: str) -> None:
        if self.shown:
            self.stream.write("\r" + text.ljust(self.length), style_func=_plain, ending="")
            self.stream.flush()
            self.length = len(text)

    def bar(self, done: int, total: int, text: str) -> None:
        filled = self.WIDTH * done // max(total, 1)
        self.show(f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} {text}")

    def end(self) -> None:
        if self.shown and self.length:
            self.stream.write("\r" + " " * self.length + "\r", style_func=_plain, ending="")
            self.stream.flush()
            self.length = 0


def _schedule(every: float) -> None:
    """Ask for the syncs that are due, every `every` seconds, for as long as the worker runs."""
    while True:
        close_old_connections()
        try:
            tasks.request_due_syncs()
        except DatabaseError:
            logging.getLogger("dashboard.search").warning(
                "Could not look for syncs due just now.", exc_info=True
            )
        time.sleep(every)


class Command(BaseCommand):
    help = (
        "Export an environment's Connect applications to a YAML or JSON file, show what "
        "applying a file would change (plan), or change the environment to match it (apply)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="write every application to a file")
        export.add_argument(
            "--format", dest="file_format", choices=FORMATS, help="default: from -o, else yaml"
        )
        export.add_argument("-o", "--output", help="the file to write (default: standard output)")
        for name, text in (
            ("plan", "show what applying FILE would create, change and delete; change nothing"),
            ("apply", "change the environment to match FILE, after showing the plan"),
        ):
            sub = actions.add_parser(name, help=text)
            sub.add_argument("file", help="a YAML or JSON file, or - for standard input")
            sub.add_argument(
                "--prune",
                action="store_true",
                help="delete the environment's applications that FILE does not list",
            )
            if name == "apply":
                sub.add_argument("--yes", action="store_true", help="do not ask first")
        actions.add_parser("sync", help="walk every application into the dashboard's search index")
        worker = actions.add_parser(
            "worker", help="run background syncs, and start them when an index gets old"
        )
        worker.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds between looks at the queue when it is empty (default: %(default)s)",
        )
        for name, sub in actions.choices.items():
            if name == "worker":
                continue
            sub.add_argument(
                "--environment",
                choices=[environment.name for environment in environments.all()],
                default=None if name == "sync" else environments.default().name,
                help=(
                    "the environment to sync (default: every one)"
                    if name == "sync"
                    else "the environment to work in (default: %(default)s)"
                ),
            )

    def handle(self, *args, action: str, verbosity: int, environment: str | None = None, **options):
        # A log line per request and per audit event would scatter the progress and the
        # plan; -v 2 shows them.
        logger = logging.getLogger("dashboard")
        level = logger.level
        if verbosity < 2:
            logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
        try:
            if action in ("sync", "worker"):
                getattr(self, action)(environment=environment, **options)
                return
            with environments.override(environment) as self.environment:
                getattr(self, action)(**options)
        except errors.ApiError as error:
            raise CommandError(f"{environment}: {error}") from error
        finally:
            logger.setLevel(level)

    # --- sync -------------------------------------------------------------------------------

    def sync(self, *, environment: str | None, **options) -> None:
        names = [environment] if environment else [e.name for e in environments.all()]
        for name in names:
            progress = Progress(self.stdout)
            expected = selectors.freshness(name).expected

            def pages(count: int, name=name, progress=progress, expected=expected) -> None:
                progress.bar(count, max(count, expected), f"applications of {name}")

            def secrets(done: int, total: int, name=name, progress=progress) -> None:
                progress.bar(done, total, f"client secrets of {name}")

            try:
                seen = tasks.run_sync(name, timezone.now(), on_page=pages, on_application=secrets)
            finally:
                progress.end()
            if seen is None:
                state = selectors.freshness(name)
                self.stdout.write(
                    f"A sync of {name} is already running ({state.seen:,} of about "
                    f"{state.expected:,}); it brings the index up to date."
                )
            else:
                self.stdout.write(f"Indexed {seen:,} application{pluralize(seen)} of {name}.")

    # --- worker -----------------------------------------------------------------------------

    def worker(self, *, interval: float, **options) -> None:
        """The database backend's worker, with a thread that asks for a sync of every
        environment whose index has grown older than its allowed age."""
        every = min(60.0, settings.DASHBOARD_INDEX_MAX_AGE / 4)
        threading.Thread(target=_schedule, args=(every,), daemon=True).start()
        call_command("db_worker", interval=interval, reload=False, startup_delay=False)

    # --- export -----------------------------------------------------------------------------

    def export(self, *, output: str | None, file_format: str | None, **options) -> None:
        file_format = file_format or ("json" if (output or "").endswith(".json") else "yaml")
        to_file = bool(output) and output != "-"
        # Standard output is the file's when there is no other.
        said = self.stdout if to_file else self.stderr
        progress = Progress(said)
        reading = f"Reading {self.environment.name}"
        try:
            result = services.export(
                file_format=file_format,
                on_page=lambda pages, count: progress.show(
                    f"{reading}: {count:,} application{pluralize(count)} "
                    f"({pages} page{pluralize(pages)})"
                ),
            )
        except services.ExportError as error:
            raise CommandError(str(error)) from error
        finally:
            progress.end()
        for skipped in result.skipped:
            said.write(f"Not exported: {skipped}", style_func=_plain)
        if to_file:
            Path(output).write_text(result.text, encoding="utf-8")
            said.write(
                f"Wrote {result.count:,} application{pluralize(result.count)} of "
                f"{self.environment.name} to {output}."
            )
        else:
            self.stdout.write(result.text, ending="")

    # --- plan and apply ---------------------------------------------------------------------

    def _plan(self, file: str, prune: bool) -> Plan:
        text = self._read(file)
        try:
            source = services.read(text)
        except InvalidDocument as invalid:
            problems = "\n".join(f"  {problem}" for problem in invalid.problems)
            raise CommandError(
                f"{file} cannot be applied to {self.environment.name}; nothing was changed.\n"
                f"{problems}"
            ) from invalid
        progress = Progress(self.stdout)
        try:
            plan = services.plan(
                source,
                prune=prune,
                on_page=lambda pages, count: progress.show(
                    f"Reading {self.environment.name}: {count:,} application{pluralize(count)} "
                    f"({pages} page{pluralize(pages)})"
                ),
            )
        finally:
            progress.end()
        self.stdout.write(f"Plan for {self.environment.description}, from {file}:")
        for line in describe(plan):
            self.stdout.write(line)
        if plan.problems:
            raise CommandError(
                f"The plan has {len(plan.problems)} problem{pluralize(plan.problems)} (above); "
                "nothing was changed."
            )
        return plan

    def _read(self, file: str) -> str:
        try:
            if file == "-":
                return sys.stdin.read()
            return Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error

    def plan(self, *, file: str, prune: bool, **options) -> None:
        self._plan(file, prune)

    def apply(self, *, file: str, prune: bool, yes: bool, **options) -> None:
        plan = self._plan(file, prune)
        if not plan.actions:
            self.stdout.write(f"Nothing to do: {self.environment.name} already matches {file}.")
            return
        if not yes:
            self._confirm(plan)
        progress = Progress(self.stdout)
        try:
            report = services.apply(
                plan,
                actor=_command_line_actor(),
                on_step=lambda done, total, action: progress.bar(done, total, action.label),
            )
        finally:
            progress.end()
        for line in describe_report(report):
            self.stdout.write(line)
        if not report.complete:
            raise CommandError(
                f"Stopped part-way: {len(report.done)} of {len(plan.actions)} "
                f"change{pluralize(plan.actions)} made. "
                "Apply the same file again to finish."
            )

    def _confirm(self, plan: Plan) -> None:
        """The environment's name typed, as the configuration page asks for it."""
        name = self.environment.name
        if not sys.stdin.isatty():
            raise CommandError(
                f"Not applied: confirm with --yes to apply {len(plan.actions)} "
                f"change{pluralize(plan.actions)} to "
                f"{name} without a terminal to ask at."
            )
        changes = f"{len(plan.actions)} change{pluralize(plan.actions)}"
        answer = input(f"Type “{name}” to apply {changes} to {name}: ")
        if answer.strip() != name:
            raise CommandError(f"Not applied: “{name}” was not typed. Nothing was changed.")


def _command_line_actor() -> Actor:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return Actor(None, f"{user} (manage.py connect)", None)


# --- What a plan and a report say, as lines of text ----------------------------------------


def shown(name: str, value: Any) -> str:
    if name == "redirect_uris":
        value = [entry["uri"] + (" (default)" if entry.get("default") else "") for entry in value]
    if isinstance(value, list):
        return ", ".join(value) if value else "none"
    if value is None:
        return "none"
    return json.dumps(value, ensure_ascii=False)


def _where(action: Action) -> str:
    return f" (line {action.line})" if action.line else ""


def describe(plan: Plan) -> list[str]:
    lines = []
    for action in plan.of("create"):
        lines.append(f"+ create {action.key}{_where(action)}")
        for name, value in as_written(action.values).items():
            lines.append(f"      {name}: {shown(name, value)}")
    for action in plan.of("update"):
        lines.append(f"~ change {action.key}{_where(action)}, {action.app.id}")
        for name, change in action.changes.items():
            lines.append(
                f"      {name}: {shown(name, change['before'])} → {shown(name, change['after'])}"
            )
    for action in plan.of("delete"):
        lines.append(f"- delete “{action.name}”, {action.app.id} (not in the file)")
    if plan.kept:
        names = ", ".join(f"“{app.name}”" for app in plan.kept[:SHOWN])
        more = f" and {len(plan.kept) - SHOWN} more" if len(plan.kept) > SHOWN else ""
        lines.append(f"Not in the file, kept (--prune deletes them): {names}{more}.")
    for app in plan.own:
        lines.append(
            f"Left alone: “{app.name}”, {app.id}, the application the dashboard's staff sign "
            "in through (never deleted, --prune or not)."
        )
    for app in plan.unmanaged:
        lines.append(
            f"Left alone: “{app.name}”, {app.id}, of type “{app.application_type}”, which "
            "this dashboard does not know."
        )
    if plan.problems:
        lines.append("Cannot be applied:")
        lines += [f"  {problem}" for problem in plan.problems]
    lines.append(f"Plan: {plan.summary}.")
    return lines


def describe_report(report: services.Report) -> list[str]:
    if report.complete:
        return [f"Applied to {report.plan.environment}: {report.counts}."]
    lines = [f"Done ({len(report.done)}):"]
    lines += [f"  {action.past_tense} {action.label}, {app.id}" for action, app in report.done]
    failure = report.failure
    lines.append(f"Failed: {failure.action.verb} {failure.action.label}: {failure.message}")
    if failure.maybe_done:
        lines.append(
            "  No answer said whether the API carried it out; applying again finds out and "
            "does not do it twice."
        )
    else:
        lines.append("  The API answered with an error: it was not done.")
    lines.append(f"Not done ({len(report.not_done)}):")
    lines += [f"  {action.verb} {action.label}" for action in report.not_done]
    lines.append(
        f"Nothing else was changed in {report.plan.environment}. Apply the same file again to "
        "finish: it plans again from what the environment holds then."
    )
    return lines
