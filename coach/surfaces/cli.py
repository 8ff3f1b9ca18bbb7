"""`storycoach`: coach notes, run batches, and measure the coach from the command line."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from coach.config import Settings, get_settings
from coach.errors import CoachError, InputError, no_model_configured
from coach.judgement.answers import Answer, answers_for, read_answers_file
from coach.judgement.offline import coach_offline
from coach.judgement.rubrics import RubricSet, load_rubrics
from coach.learning.calibration import grade_case_studies, read_seed
from coach.learning.corpus import CorpusStory, read_adversarial_sets, read_corpus
from coach.llm.pipeline import chosen_engine, run_coach
from coach.models import CoachResult, Engine, Framework, Level, RunOptions
from coach.surfaces.batch import finished_ids, read_stories, run_batch, to_do
from coach.surfaces.contract import contract_json, to_contract
from coach.surfaces.notes_files import decode_notes, read_notes_file
from coach.surfaces.render import to_markdown

_TARGETS = [Level.L6.value, Level.L7.value]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storycoach",
        description="Turn rough notes into STAR+ interview stories, scored for L6/L7.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    coach = commands.add_parser("coach", help="restructure, grade and question one story")
    coach.add_argument("file", nargs="?", help="notes file, or - for standard input")
    coach.add_argument("--target", choices=_TARGETS, default=Level.L6.value)
    coach.add_argument("--framework", choices=[f.value for f in Framework], default="star")
    coach.add_argument("--format", choices=["md", "json"], default="md")
    coach.add_argument(
        "--engine",
        choices=[e.value for e in Engine],
        help="llm sends the notes to the configured model; offline keeps them on this machine "
        "(default: llm when a model is configured, else offline)",
    )
    coach.add_argument(
        "--batch", metavar="FILE.jsonl", help='one {"id", "notes"} object a line; one result a line'
    )
    coach.add_argument(
        "--resume",
        metavar="OUT.jsonl",
        type=Path,
        help="with --batch: skip the ids OUT.jsonl already holds results for and append the rest "
        "to it (created if missing) instead of standard output",
    )
    coach.add_argument(
        "--answers",
        metavar="ANSWERS.json",
        type=Path,
        help='a JSON list of {"slot", "answer"}: answers to the questions a run of the same notes '
        "asked; each is placed in the section its question named",
    )

    evaluate = commands.add_parser(
        "eval", help="grouped cross-validation on the labelled corpus (corpus/README.md)"
    )
    evaluate.add_argument(
        "paths", nargs="*", type=Path, help="corpus files or folders (default: the corpus)"
    )
    evaluate.add_argument("--folds", type=int, default=5, help="folds of groups (default: 5)")
    evaluate.add_argument("--format", choices=["md", "json"], default="md")
    evaluate.add_argument(
        "--record",
        type=Path,
        metavar="FILE.json",
        help="also write the headline figures here (corpus/figures.json is what the tests hold)",
    )

    train = commands.add_parser(
        "train",
        help="fit the figure, placement, level and injection models to the corpus (make train)",
    )
    train.add_argument(
        "paths", nargs="*", type=Path, help="corpus files or folders (default: the corpus)"
    )
    train.add_argument(
        "--out", type=Path, help="folder for placement.v<N>.json (default: the rubrics folder)"
    )

    calibrate = commands.add_parser("calibrate", help="the calibration report on the shared data")
    calibrate.add_argument("--seed", type=Path, help="the seed document (default: from settings)")
    calibrate.add_argument("--format", choices=["md", "json"], default="md")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; user mistakes print one line and return a non-zero code."""
    args = _parser().parse_args(argv)
    try:
        settings = get_settings()
        rubrics = load_rubrics(settings.rubrics_dir)
        if args.command == "coach":
            return _coach(args, settings, rubrics)
        if args.command == "eval":
            return _evaluate(args, settings, rubrics)
        if args.command == "train":
            return _train(args, settings, rubrics)
        return _calibrate(args, settings, rubrics)
    except CoachError as exc:
        print(f"storycoach: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`storycoach ... | head`): not an error of ours.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0


def _coacher(
    settings: Settings, rubrics: RubricSet, options: RunOptions, answers: Sequence[Answer] = ()
) -> Callable[[str], CoachResult]:
    """One coaching function for this invocation. A model run keeps the notes in the story bank
    first, as the app does, so a failed or interrupted run loses nothing and the app lists it;
    an offline run sends nothing, fails for no reason outside it, and keeps nothing."""
    if chosen_engine(settings, options) is Engine.OFFLINE:

        def offline(notes: str) -> CoachResult:
            return run_coach(
                notes, settings=settings, rubrics=rubrics, options=options, answers=answers
            )

        return offline
    if not settings.llm_configured:
        raise no_model_configured()  # before a story is kept for a run that cannot start
    from coach.bank import StoryBank
    from coach.surfaces.workspace import Workspace

    workspace = Workspace(settings, rubrics, StoryBank.from_settings(settings))

    def kept(notes: str) -> CoachResult:
        return workspace.coach_new(notes, answers, options).result

    return kept


def _coach(args: argparse.Namespace, settings: Settings, rubrics: RubricSet) -> int:
    options = RunOptions(
        target=Level(args.target),
        framework=Framework(args.framework),
        engine=Engine(args.engine) if args.engine else None,
    )
    if args.batch:
        if args.answers:
            raise InputError("--answers goes with one notes file, not with --batch.")
        concurrent = chosen_engine(settings, options) is Engine.LLM
        return _batch(
            Path(args.batch),
            _coacher(settings, rubrics, options),
            args.resume,
            concurrency=settings.batch_concurrency if concurrent else 1,
        )
    if args.resume:
        raise InputError("--resume goes with --batch.")
    if args.file is None:
        raise InputError("Give a notes file, or - to read standard input.")
    if args.file == "-":
        notes = decode_notes(
            sys.stdin.buffer.read(), source="standard input", max_chars=settings.max_notes_chars
        )
    else:
        notes = read_notes_file(Path(args.file), max_chars=settings.max_notes_chars)
    answers = _answers(args.answers, notes, settings, rubrics, options) if args.answers else []
    result = _coacher(settings, rubrics, options, answers)(notes)
    _say_engine(result)
    if args.format == "json":
        print(contract_json(to_contract(result)))
    else:
        sys.stdout.write(to_markdown(result))
    return 0


def _answers(
    path: Path, notes: str, settings: Settings, rubrics: RubricSet, options: RunOptions
) -> list[Answer]:
    """The answers in `path`, each given the section of the question whose slot it names: the
    questions an offline run of the same notes asks (a model run asks for the same slots)."""
    pairs = read_answers_file(read_notes_file(path, max_chars=settings.max_notes_chars))
    asked = coach_offline(
        notes,
        rubrics,
        target=options.target,
        framework=options.framework,
        max_chars=settings.max_notes_chars,
    ).questions
    return answers_for(pairs, asked)


def _say_engine(result: CoachResult) -> None:
    """Tell the person on stderr which engine answered when it was not the one they might expect."""
    for flag in result.flags:
        if flag.code in ("offline_engine", "llm_fallback"):
            print(f"storycoach: {flag.message}", file=sys.stderr)


def _batch(
    path: Path, coach: Callable[[str], CoachResult], resume: Path | None, *, concurrency: int
) -> int:
    """Coach one story a line (batch.py); a bad line gets an error object and the batch
    goes on. With `resume`, the ids that file holds are skipped and the rest appended to it."""
    stories = read_stories(path)
    # What is loaded by now (modules, rubrics, cue indexes) lives as long as the process: the
    # collector need not walk it again at every full collection of a long batch.
    gc.freeze()
    if resume is None:
        report = run_batch(stories, coach, sys.stdout, concurrency=concurrency, terminal=sys.stderr)
    else:
        stories = to_do(stories, finished_ids(resume))
        with resume.open("a", encoding="utf-8") as out:
            report = run_batch(stories, coach, out, concurrency=concurrency, terminal=sys.stderr)
    if report.failed:
        print(
            f"storycoach: {report.failed} line(s) of {path} could not be coached", file=sys.stderr
        )
    if report.interrupted:
        named = resume or "OUT.jsonl (the file this output went to)"
        print(
            f"storycoach: interrupted after {report.written} of {len(stories)} line(s); to coach "
            f"the rest, run the batch again with --resume {named}",
            file=sys.stderr,
        )
        return 130
    return 1 if report.failed else 0


def _corpus(args: argparse.Namespace, settings: Settings) -> list[CorpusStory]:
    stories = read_corpus(args.paths or [settings.corpus_dir / "stories"])
    if not stories:
        raise InputError("The corpus holds no stories.")
    return stories


def _evaluate(args: argparse.Namespace, settings: Settings, rubrics: RubricSet) -> int:
    # CRFsuite and scikit-learn load only for the commands that fit models.
    from coach.learning import cross_validation, eval_report

    stories = _corpus(args, settings)
    # Each injection set measured with the learned reader fitted to the other sets.
    sets = read_adversarial_sets(settings.corpus_dir)
    rates = {} if args.paths else cross_validation.injection_rates_held_out(sets, stories, rubrics)
    progress = None if args.format == "json" else (lambda m: print(m, file=sys.stderr))
    cv = cross_validation.cross_validate(
        stories,
        rubrics,
        folds=max(2, args.folds),
        progress=progress,
        adversarial=[record for records in sets.values() for record in records],
    )
    if args.format == "json":
        print(json.dumps(eval_report.to_json(cv, rates)))
    else:
        print(eval_report.to_markdown(cv, rates))
    if args.record:
        headline = {"folds": cv.folds, "stories": cv.stories, **eval_report.headline(cv, rates)}
        args.record.write_text(json.dumps(headline, indent=1) + "\n", encoding="utf-8")
    return 0


def _train(args: argparse.Namespace, settings: Settings, rubrics: RubricSet) -> int:
    from coach.learning import training

    sets = read_adversarial_sets(settings.corpus_dir)
    fitted = training.fit(
        _corpus(args, settings), rubrics, [r for records in sets.values() for r in records]
    )
    out = args.out or settings.rubrics_dir
    placement, reader = fitted.placement, fitted.level
    print(
        f"Figure model: {fitted.figures.trained.stories} stories, "
        f"{fitted.figures.trained.units} tokens, {len(fitted.figures.weights)} features "
        f"-> {training.write_model(fitted.figures, out)}"
    )
    print(
        f"Placement model: {placement.trained.stories} stories, {placement.trained.units} units, "
        f"{len(placement.weights)} features -> {training.write_model(placement, out)}"
    )
    if reader is None:
        raise InputError("The corpus labels fewer than two levels: no level model was fitted.")
    print(
        f"Level model: {reader.trained.stories} stories, {len(reader.features)} features "
        f"-> {training.write_model(reader, out)}"
    )
    if fitted.injection is None:
        raise InputError(f"No injection attempts in {settings.corpus_dir}/adversarial*.jsonl.")
    print(
        f"Injection model: {fitted.injection.trained.units} sentences, "
        f"{len(fitted.injection.weights)} features -> {training.write_model(fitted.injection, out)}"
    )
    return 0


def _calibrate(args: argparse.Namespace, settings: Settings, rubrics: RubricSet) -> int:
    seed_path = args.seed or settings.seed_path
    cases = grade_case_studies(read_seed(seed_path), rubrics)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "case_studies": [
                        {
                            "title": c.title,
                            "labelled": c.expected.value,
                            "estimate": c.estimate.value,
                            "quantification": c.quantification,
                            "structure": c.structure,
                            "overall": c.overall,
                        }
                        for c in cases
                    ]
                }
            )
        )
        return 0
    print(f"Seed case studies ({seed_path.name}):")
    for c in cases:
        mark = "ok" if c.estimate is c.expected else "MISREAD"
        print(
            f"  {c.expected.value} -> reads {c.estimate.value} [{mark}]  quantification "
            f"{c.quantification:3d}  structure {c.structure:3d}  overall {c.overall:3d}  {c.title}"
        )
    print("Placement, level and figures on writing the models were not fitted to: storycoach eval")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
