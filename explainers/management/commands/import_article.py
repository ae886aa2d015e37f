import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from explainers import importing
from explainers.models import Explainer


class Command(BaseCommand):
    help = (
        "Import an article's plain text (one paragraph a line, as explainers/seeds/seed.txt) as "
        "a draft story, its quotes and figures made fact blocks: an existing match is used, "
        "otherwise a new fact is created, unchecked. Nothing is published."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, help="A UTF-8 text file, or - for stdin")
        parser.add_argument("--publisher", default="", help="Who published it, e.g. Sky News")
        parser.add_argument("--url", default="", help="Where it was published")
        parser.add_argument(
            "--kind", default=Explainer.Kind.EXPLAINER, choices=Explainer.Kind.values
        )
        parser.add_argument("--user", help="Import as this user (their permissions apply)")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only print what would be created"
        )
        parser.add_argument(
            "--compare-seed",
            action="store_true",
            help="Import seed.txt's two articles (writing nothing) and compare them with the "
            "demo stories in stories.toml",
        )

    def handle(self, *args, path, publisher, url, kind, user, dry_run, compare_seed, **options):
        if compare_seed:
            for comparison in importing.seed_round_trip():
                self.stdout.write(comparison.report())
            return
        if path is None:
            raise CommandError("Give the text file to import (or - to read it from stdin).")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user “{user}”.")
        try:
            if str(path) == "-":
                data = sys.stdin.buffer.read()
            elif not path.exists():
                raise CommandError(f"No such file: {path}")
            else:
                data = path.read_bytes()
            plan = importing.read_article(importing.decode(data), publisher=publisher, url=url)
        except ValidationError as error:
            raise CommandError(f"Nothing was imported. {' '.join(error.messages)}") from error
        self.describe(plan)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        try:
            result = importing.create_draft(plan, by=actor, kind=kind)
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(getattr(error, "messages", [str(error)]))
            raise CommandError(f"Nothing was imported. {text}") from error
        self.stdout.write(self.style.SUCCESS(str(result)))
        self.stdout.write(
            f"Edit it at {reverse('admin:explainers_explainer_change', args=[result.explainer.pk])}"
            f" (imported in {plan.seconds + result.seconds:.2f} s)."
        )

    def describe(self, plan: importing.Plan) -> None:
        write = self.stdout.write
        missing = importing.NOT_IN_TEXT
        write(f"Headline: {plan.headline or f'{missing}; the first sentence stands in'}")
        write(f"Standfirst: {plan.standfirst or f'{missing}; the first sentence stands in'}")
        write(
            f"Publisher: {plan.publisher or missing}"
            + (f" ({plan.publisher_reason})" if plan.publisher else "")
        )
        for item in plan.recognised:
            write(f"  line {item.undo}: {item.kind} “{item.text}”: {item.reason}")
        for dropped in plan.furniture:
            write(f"  line {dropped.line}: dropped “{dropped.text}” ({dropped.rule})")
        choices = plan.default_choices()
        for proposal in plan.proposals:
            choice = choices[proposal.key]
            if choice.startswith("existing:"):
                match = next(m for m in proposal.matches if choice == f"existing:{m.pk}")
                decision = f"use existing {match.label} ({match.reason})"
            else:
                decision = {"new": "create new", "text": "leave as text"}[choice]
            write(f"  {self.label(plan, proposal)}: {decision}")
            not_given = getattr(proposal, "not_in_text", [])
            if not_given and choice == "new":
                write(f"      {missing}: {', '.join(not_given)}")
        for left in plan.left_as_text:
            write(f"  line {left.line}: kept as text {left.text}: {left.reason}")

    @staticmethod
    def label(plan, proposal) -> str:
        if isinstance(proposal, importing.QuoteProposal):
            speaker = (
                plan.get(proposal.speaker).name if proposal.speaker else "speaker not in the text"
            )
            what = "quote" if proposal.block == "quote" else "quoted words"
            return (
                f"line {proposal.line}: {what} “{importing.shorten(proposal.text, 50)}” ({speaker})"
            )
        if isinstance(proposal, importing.FigureProposal):
            return f"line {proposal.line}: figure {proposal.shown}, {proposal.label}"
        if isinstance(proposal, importing.MediaProposal):
            what = proposal.title or proposal.caption or proposal.credit
            return f"line {proposal.lines[0]}: {proposal.media_kind} “{what}”"
        if isinstance(proposal, importing.PersonProposal):
            return f"person {proposal.name_as_used or proposal.name}"
        return f"source {proposal.publisher}: {importing.shorten(proposal.title, 50)}"
