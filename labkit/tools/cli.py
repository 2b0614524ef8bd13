"""The ``labkit`` command (also ``python -m labkit``). What it reports, its errors and its ``--help`` (argparse's
own words included: :func:`labkit.i18n.argparse_speaks_the_labs_language`) speak ``LABKIT_LANG``'s language
(:mod:`labkit.i18n`).

Each subcommand imports what it uses when it runs (the imports inside the handlers below), so that
``labkit --help`` and a quick subcommand do not load the others' stacks (boto3 and moto, nbclient).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from labkit import i18n
from labkit.i18n import _, argparse_speaks_the_labs_language, ngettext

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab


def _doctor(args: argparse.Namespace) -> int:
    from labkit.tools import workshop
    from labkit.tools.doctor import diagnose

    workshop.install()  # a participant's connect reports to the workshop's board, as in the notebooks

    findings = diagnose(args.backend, args.region)
    for finding in findings:
        print(finding)
    return 0 if all(f.ok for f in findings) else 1


def _run(args: argparse.Namespace) -> int:
    from labkit.tools import notebooks

    try:
        paths = [notebooks.resolve(name) for name in args.notebooks] or notebooks.notebook_paths()
    except notebooks.UnknownNotebook as unknown:
        print(f"labkit run: {unknown}", file=sys.stderr)
        return 2
    if not paths:
        print(_("no notebooks found (expected notebooks/NN-name.ipynb)"), file=sys.stderr)
        return 1
    started = time.perf_counter()
    results = notebooks.run(paths, args.backend or "moto")
    print(notebooks.format_table(results, time.perf_counter() - started))
    return 0 if all(not r.error for r in results) else 1


def _build(args: argparse.Namespace) -> int:
    from labkit.tools import notebooks

    root = notebooks.repo_root()
    if args.lang != "en":
        from labkit.tools import translation

        if args.update_catalogue:
            sources = [Path(p) for p in args.sources] or notebooks.source_paths(root)
            for path in translation.update(sources, root, args.lang):
                print(_("updated {path}").format(path=path.relative_to(root)))
            return 0
        # Only the notebooks whose catalogue exists make up the edition.
        sources = [Path(p) for p in args.sources] or translation.catalogued_sources(root, args.lang)
        for path in translation.build(sources, root, args.lang):
            print(_("wrote {path}").format(path=path.relative_to(root)))
        return 0
    sources = [Path(p) for p in args.sources] or notebooks.source_paths(root)
    for path in notebooks.build(sources, root):
        print(_("wrote {path}").format(path=path.relative_to(root)))
    return 0


def _lab_for(args: argparse.Namespace) -> Lab:
    from labkit.runtime.lab import connect
    from labkit.tools import workshop

    workshop.install()  # a participant's connect reports to the workshop's board, as in the notebooks
    return connect(args.backend, args.region, clear_abandoned=False)


def _teardown(args: argparse.Namespace) -> int:
    from labkit.emulator.cloudwatch_metrics import CloudWatchMetrics

    lab = _lab_for(args)
    if lab.backend.in_process:
        print(_("the in-process moto backend keeps nothing between processes: nothing to tear down"))
        return 0
    if lab.emulator is not None:
        # The command reads no metric before it ends: the server's datapoints are freed, not downloaded first.
        lab.emulator.plugin(CloudWatchMetrics).skip_adoption()
    report = lab.teardown(dry_run=args.dry_run, all_labs=True, tagged=args.all_labs)
    print(report)
    if args.report:
        Path(args.report).write_text(
            _("labkit teardown on {backend} ({region})").format(backend=lab.backend.name, region=lab.region)
            + f"\n{report}\n",
            encoding="utf-8",
        )
        print(_("report written to {path}").format(path=args.report))
    return 0 if report.ok else 1


def _inventory(args: argparse.Namespace) -> int:
    lab = _lab_for(args)
    left = lab.inventory(all_labs=True)
    for item in left:
        print(item)
    print(
        ngettext(
            "{count} resource recorded by labkit on the {backend} backend still exists",
            "{count} resources recorded by labkit on the {backend} backend still exist",
            len(left),
        ).format(count=len(left), backend=lab.backend.name)
    )
    return 0


def _agent_config(args: argparse.Namespace) -> int:
    from labkit.lesson.agent import render

    print(render(args.file, args.log_group, args.format, args.region))
    return 0


def _student(args: argparse.Namespace) -> int:
    from labkit.tools.student import write_student_editions

    paths = [Path(p) for p in args.notebooks] or None
    for path in write_student_editions(Path(args.outdir), paths, lang=args.lang):
        print(_("wrote {path}").format(path=path))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from labkit.tools.workshop import serve

    if not 0 <= args.port <= 65535:
        print(
            "labkit: "
            + _("--port {port}: the port must be between 1 and 65535 (0 picks a free port)").format(port=args.port),
            file=sys.stderr,
        )
        return 2
    serve(args.host, args.port)
    return 0


def _status(args: argparse.Namespace) -> int:
    import os

    from labkit.tools.workshop import format_status, status

    endpoint = args.endpoint or os.environ.get("LABKIT_BOARD_URL") or os.environ.get("LABKIT_ENDPOINT_URL")
    if not endpoint:
        print(_("name the workshop server: labkit status --endpoint http://HOST:PORT"), file=sys.stderr)
        return 2
    print(format_status(status(endpoint)))
    return 0


def _catchup(args: argparse.Namespace) -> int:
    from labkit.tools.workshop import catchup

    lab = _lab_for(args)
    for line in catchup(lab, args.notebook, confirm_cost=args.confirm_cost):
        print(line)
    if not lab.backend.in_process:
        print(
            _("(lab id {lab_id}; `labkit teardown` deletes it with everything else the labs made here)").format(
                lab_id=lab.lab_id
            )
        )
    return 0


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help, with Japanese wrapped by terminal columns (:func:`labkit.i18n.wrap`): argparse's own wrapping
    counts a Japanese character as one column and breaks only at spaces, so a Japanese help ran past the terminal's
    edge. Text without wide characters is wrapped by argparse as before."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        if not any(i18n.width(character) == 2 for character in text):
            return super()._split_lines(text, width)
        return i18n.wrap(" ".join(text.split()), width)


def parser() -> argparse.ArgumentParser:
    """The argument parser (kept separate so tests can read it)."""
    top = argparse.ArgumentParser(
        prog="labkit", description=_("AWS Monitoring Lab Kit"), formatter_class=_HelpFormatter
    )
    commands = top.add_subparsers(dest="command", required=True)

    def add_command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, formatter_class=_HelpFormatter)

    def with_backend(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument(
            "--backend", choices=("moto", "moto-server", "aws"), help=_("default: $LABKIT_BACKEND or moto")
        )
        sub.add_argument("--region", default="ap-northeast-1", help=_("default: ap-northeast-1"))
        return sub

    doctor = with_backend(add_command("doctor", help=_("check the environment and the backend")))
    doctor.set_defaults(handler=_doctor)
    run = with_backend(add_command("run", help=_("execute notebooks headless and print a summary")))
    run.add_argument(
        "notebooks",
        nargs="*",
        help=_("notebooks: 04-log-agent-config, 04, or a path to an .ipynb (default: all, in order)"),
    )
    run.set_defaults(handler=_run)
    build = add_command("build-notebooks", help=_("execute notebooks/src/*.py into committed notebooks"))
    build.add_argument(
        "sources",
        nargs="*",
        help=_("notebook sources, e.g. notebooks/src/05-ssh-failure-metric-filter.py (default: all)"),
    )
    build.add_argument(
        "--lang",
        choices=("en", "ja"),
        default="en",
        help=_("ja: build notebooks/ja/ from notebooks/locale/ja/LC_MESSAGES/*.po (default: en)"),
    )
    build.add_argument(
        "--update-catalogue",
        action="store_true",
        help=_("with --lang: add new cells to the catalogues and mark changed ones fuzzy; build nothing"),
    )
    build.set_defaults(handler=_build)
    teardown = with_backend(add_command("teardown", help=_("delete what the labs created on this backend")))
    teardown.add_argument("--dry-run", action="store_true", help=_("list what would be deleted"))
    teardown.add_argument(
        "--all-labs", action="store_true", help=_("also every resource tagged labkit:lab that no registry knows")
    )
    teardown.add_argument("--report", metavar="FILE", help=_("also write the report to FILE, to keep"))
    teardown.set_defaults(handler=_teardown)
    inventory = with_backend(add_command("inventory", help=_("list what the labs created that still exists")))
    inventory.set_defaults(handler=_inventory)
    agent = add_command("agent-config", help=_("print the logs agent configuration for a file"))
    agent.add_argument("--file", required=True, help=_("the log file to ship, e.g. /var/log/secure"))
    agent.add_argument("--log-group", required=True, help=_("the CloudWatch Logs group, e.g. ssh_logs"))
    agent.add_argument(
        "--format",
        choices=("awslogs", "unified"),
        default="awslogs",
        help=_("awslogs: the legacy agent's two files (the article); unified: CloudWatch agent JSON"),
    )
    agent.add_argument("--region", default="ap-northeast-1", help=_("default: ap-northeast-1"))
    agent.set_defaults(handler=_agent_config)
    student = add_command("student", help=_("write the student editions (solutions removed) of the notebooks"))
    student.add_argument("outdir", help=_("folder to write them to, e.g. student/"))
    student.add_argument("notebooks", nargs="*", help=_("notebook files (default: all of the edition --lang)"))
    student.add_argument(
        "--lang",
        choices=["en", "ja"],
        default="en",
        help=_("the edition: en (notebooks/) or ja (notebooks/ja/, answer notes in Japanese)"),
    )
    student.set_defaults(handler=_student)
    serve = add_command("serve", help=_("run the workshop's moto server (an account per participant)"))
    serve.add_argument("--port", type=int, default=5000, help=_("default 5000; 0 picks a free port"))
    serve.add_argument("--host", default="127.0.0.1", help=_("default 127.0.0.1; 0.0.0.0 to let the room's laptops in"))
    serve.set_defaults(handler=_serve)
    status = add_command("status", help=_("which notebooks' checks pass, per workshop participant"))
    status.add_argument(
        "--endpoint", help=_("the workshop server (default: $LABKIT_BOARD_URL, else $LABKIT_ENDPOINT_URL)")
    )
    status.set_defaults(handler=_status)
    catchup = with_backend(add_command("catchup", help=_("build what earlier notebooks leave, to start at NN")))
    catchup.add_argument("notebook", help=_("the notebook to start at, e.g. 05"))
    catchup.add_argument(
        "--confirm-cost", action="store_true", help=_("on aws: allow launching the (billable) instance")
    )
    catchup.set_defaults(handler=_catchup)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``labkit`` command.

    A failure is one line on stderr and exit code 1, never a traceback: labkit's own errors, files
    it cannot read or write, and AWS or network errors (account ids masked).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from labkit.exceptions import LabkitError
    from labkit.runtime.redact import mask_account

    with argparse_speaks_the_labs_language():
        args = parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (LabkitError, OSError, BotoCoreError, ClientError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"labkit: {mask_account(message)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
