"""Lessons: short guided tours, one Markdown file each, that set the app up, ask, and explain.

A lesson file (`explorer/lessons/*.md`, or any folder a teacher points `load_lessons` at) is front matter,
then one `## ` heading per step:

    ---
    title: 1. The forward process
    summary: What noise does to data.
    ---
    ## Noise eats the shape
    set: dataset=smiley, tab=Densities, time=0
    Text in Markdown...
    ? A question, asked before the answer is shown?
    - a wrong choice
    - [x] the right choice
    > set: time=0.5
    > What the reveal explains (the settings after "> set:" are applied when the student reveals).
    > Every line of the explanation starts with '>': it stays hidden until the student presses Reveal.

A step with a question must have an explanation in '> ' lines, and nothing but choices and '> ' lines may
follow its question: `parse` refuses anything else, saying where.

`set:` lines name what the sidebar, the tabs and the Time slider show (the session applies them through
the same parameters the sidebar uses, so the student can keep playing from any step). No Python needed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from explorer.core.errors import ExplorerError

FOLDER = Path(__file__).resolve().parent


@dataclass
class Step:
    title: str
    text: str = ""
    settings: dict[str, str] = field(default_factory=dict)
    question: str = ""
    choices: list[str] = field(default_factory=list)
    answer: int | None = None  # index of the right choice
    reveal_settings: dict[str, str] = field(default_factory=dict)
    reveal_text: str = ""


@dataclass
class Lesson:
    name: str
    title: str
    summary: str
    steps: list[Step]


def _settings(line: str, where: str) -> dict[str, str]:
    out = {}
    for part in line.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ExplorerError(f"{where}: a setting is key=value, got {part.strip()!r}")
        out[key.strip()] = value.strip()
    return out


def parse(text: str, name: str = "lesson") -> Lesson:
    """A lesson from its Markdown text (ExplorerError, saying where, if it is malformed)."""
    lines = text.strip().splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in [ln.strip() for ln in lines[1:]]:
        raise ExplorerError(f"{name}: a lesson starts with front matter between two '---' lines")
    end = 1 + [ln.strip() for ln in lines[1:]].index("---")
    meta = dict(ln.split(":", 1) for ln in lines[1:end] if ":" in ln)
    meta = {k.strip(): v.strip() for k, v in meta.items()}
    if not meta.get("title"):
        raise ExplorerError(f"{name}: the front matter needs a title")
    steps: list[Step] = []
    for raw in lines[end + 1:]:
        line = raw.rstrip()
        if line.startswith("## "):
            steps.append(Step(title=line[3:].strip()))
            continue
        if not steps:
            if line.strip():
                raise ExplorerError(f"{name}: text before the first '## ' step: {line.strip()[:40]!r}")
            continue
        step, where = steps[-1], f"{name}, step {len(steps)}"
        if line.startswith("set:"):
            step.settings.update(_settings(line[4:], where))
        elif line.startswith("? "):
            step.question = line[2:].strip()
        elif line.startswith("- [x] ") and step.question:
            step.answer = len(step.choices)
            step.choices.append(line[6:].strip())
        elif line.startswith("- ") and step.question and not step.reveal_text:
            step.choices.append(line[2:].strip())
        elif line.startswith("> set:"):
            step.reveal_settings.update(_settings(line[6:], where))
        elif line.startswith(">"):
            step.reveal_text = (step.reveal_text + "\n" + line[1:].strip()).strip()
        elif step.question and line.strip():
            # Text after the question would be shown with the question, before the student answers: the
            # explanation must go in '> ' lines, which stay hidden until Reveal.
            raise ExplorerError(f"{where}: after the question only '- ' choices and '> ' reveal lines may follow "
                                f"(the explanation is hidden until Reveal); got {line.strip()[:40]!r}")
        else:
            step.text = (step.text + "\n" + line).strip("\n")
    if not steps:
        raise ExplorerError(f"{name}: a lesson needs at least one '## ' step")
    for i, step in enumerate(steps, 1):
        if step.question and (len(step.choices) < 2 or step.answer is None):
            raise ExplorerError(f"{name}, step {i}: a question needs two or more choices, one marked '- [x] '")
        if step.question and not step.reveal_text:
            raise ExplorerError(f"{name}, step {i}: a question needs an explanation in '> ' lines, shown on Reveal")
        if not step.question and (step.reveal_text or step.reveal_settings):
            raise ExplorerError(f"{name}, step {i}: '> ' reveal lines need a '? ' question to reveal")
    return Lesson(name, meta["title"], meta.get("summary", ""), steps)


def load_lessons(folder=FOLDER) -> dict[str, Lesson]:
    """Every `*.md` lesson in `folder`, by name (the file name without its number: `forward`), in file order."""
    out = {}
    for path in sorted(Path(folder).glob("*.md")):
        name = path.stem.split("_", 1)[1] if path.stem[:2].isdigit() and "_" in path.stem else path.stem
        out[name] = parse(path.read_text(encoding="utf-8"), name)
    return out
