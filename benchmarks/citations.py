"""The restructure step's tokens with the notes as numbered units, against quoting the notes back.

For the seed's case studies and the corpus's median-length story: the prompt (restructure v3, the
notes as "[n] ..." units; against v2, the plain notes) and the completion (the fake model's story,
each sentence citing its unit's number; against the same sentences each copying its unit's words
as a quote, as v2 asked). Counted with tiktoken for gpt-4o-mini.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import yaml

from benchmarks.fake_model import echo_story
from coach.config import get_settings
from coach.judgement.offline import prepare_notes
from coach.judgement.rubrics import RubricSet, load_rubrics
from coach.learning.calibration import read_seed
from coach.learning.corpus import read_corpus
from coach.llm.budget import count_messages, count_text
from coach.llm.citations import numbered_notes
from coach.llm.prompts import PromptTemplate, boundary_for, star_rubric_text

MODEL = "gpt-4o-mini"


def _prompt_tokens(template: PromptTemplate, notes: str, rubrics: RubricSet, cache: Path) -> int:
    values = {"rubric": star_rubric_text(rubrics.star_plus), "framework": "", "target": "L6",
              "notes": notes, "boundary": boundary_for(notes)}  # fmt: skip
    return count_messages(template.render(values, system_messages=True), MODEL, cache).tokens


def _tokens(data: Any, cache: Path) -> int:
    return count_text(json.dumps(data, ensure_ascii=False), MODEL, cache).tokens


def measure(notes: str, rubrics: RubricSet, prompts: Path, cache: Path) -> dict[str, int]:
    """Prompt and completion tokens of one story's restructure step, cited and quoted."""
    prepared = prepare_notes(notes, rubrics)
    units = prepared.restructured.analysis.units
    listing = numbered_notes(prepared.clean, units)
    cited = echo_story(listing, rubrics)
    words = [prepared.clean[unit.start : unit.end] for unit in units]
    quoted = {
        section: [{"text": s["text"], "quotes": [words[n - 1] for n in s["units"]]} for s in said]
        for section, said in cited.items()
    }
    old, new = (
        PromptTemplate.model_validate(yaml.safe_load((prompts / name).read_text(encoding="utf-8")))
        for name in ("restructure.v2.yaml", "restructure.v3.yaml")
    )
    return {
        "prompt_quoted": _prompt_tokens(old, prepared.clean, rubrics, cache),
        "prompt_cited": _prompt_tokens(new, listing, rubrics, cache),
        "completion_quoted": _tokens(quoted, cache),
        "completion_cited": _tokens(cited, cache),
    }


def report() -> None:
    """Print each story's figures and the change in completion tokens."""
    settings = get_settings()
    rubrics = load_rubrics(settings.rubrics_dir)
    stories = [(case.title[:38], case.notes) for case in read_seed(settings.seed_path)]
    corpus = sorted(read_corpus([settings.corpus_dir / "stories"]), key=lambda s: len(s.notes))
    median = corpus[len(corpus) // 2]
    stories.append((f"corpus median story ({len(median.notes.split())} words)", median.notes))
    print("restructure step, notes as numbered units (v3) against quotes copied back (v2):")
    falls = []
    for title, notes in stories:
        m = measure(notes, rubrics, settings.prompts_dir, settings.tiktoken_cache_dir)
        fall = 1 - m["completion_cited"] / m["completion_quoted"]
        falls.append(fall)
        print(
            f"  {title:38} prompt {m['prompt_cited']:,} tokens (v2 {m['prompt_quoted']:,}); "
            f"completion {m['completion_cited']:,} (v2 {m['completion_quoted']:,}, "
            f"{fall:.0%} less)"
        )
    print(f"  completion tokens fall by a median {statistics.median(falls):.0%} (target: a third)")


if __name__ == "__main__":
    report()
