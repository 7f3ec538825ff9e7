"""``audits/detectors.md``: what each of our detectors finds, why it matters and what to do, from the classes.

``strikeforge audit detectors`` prints it; a test keeps the checked-in file equal to it.
"""

from __future__ import annotations

from typing import Any

DOC_PATH = "audits/detectors.md"
WIKI = f"https://github.com/strikeforge/strikeforge/blob/main/{DOC_PATH}"


class Documented:
    """What Slither reads from a detector class to list and explain it, for both our Slither and Vyper detectors.

    Each concrete detector's ``WIKI`` is its own section of audits/detectors.md.
    """

    ARGUMENT = ""
    HELP = ""
    WIKI = WIKI
    WIKI_TITLE = ""
    WIKI_DESCRIPTION = ""
    WIKI_EXPLOIT_SCENARIO = ""
    WIKI_RECOMMENDATION = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.ARGUMENT:
            cls.WIKI = anchor(cls.ARGUMENT)


def anchor(argument: str) -> str:
    """The link to one detector's section (GitHub's heading anchors are the heading text, lower-cased)."""
    return f"{WIKI}#{argument}"


def render() -> str:
    from strikeforge.audit.slither_plugin import DETECTORS as SOLIDITY
    from strikeforge.audit.vyper.detectors import DETECTORS as VYPER

    lines = [
        "# Strikeforge detectors",
        "",
        "Written by `strikeforge audit detectors` from the detector classes; do not edit by hand.",
        "",
        "Solidity detectors run inside Slither (a plugin: `slither --list-detectors` lists them). Vyper detectors run "
        "in the Strikeforge analyzer over the Vyper compiler's annotated AST.",
        "",
    ]
    for title, group in (("Solidity (Slither plugin)", SOLIDITY), ("Vyper 0.4 (Strikeforge analyzer)", VYPER)):
        lines += [f"## {title}", "", "| Check | Impact | Confidence | Finds |", "| --- | --- | --- | --- |"]
        lines += [
            f"| [`{d.ARGUMENT}`](#{d.ARGUMENT}) | {_name(d.IMPACT)} | {_name(d.CONFIDENCE)} | {d.HELP} |" for d in group
        ]
        lines.append("")
        for d in group:
            lines += [
                f"### {d.ARGUMENT}",
                "",
                f"**{d.WIKI_TITLE}.** {d.WIKI_DESCRIPTION}",
                "",
                f"- Exploit scenario: {d.WIKI_EXPLOIT_SCENARIO}",
                f"- Recommendation: {d.WIKI_RECOMMENDATION}",
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


def _name(level: object) -> str:
    """Slither's DetectorClassification or our plain string, as the word Slither prints."""
    text = str(getattr(level, "name", level))
    return text.capitalize() if text.isupper() else text
