"""The report as a list of blocks, rendered to Markdown and to one self-contained HTML page (inline CSS, no scripts,
no external resources)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Paragraph:
    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)  # right-aligned columns
    css: str = ""


Block = Heading | Paragraph | Bullets | Table


def _md_cell(text: str) -> str:
    """One table cell: a multi-line text (a finding's element lines) keeps its lines as <br> breaks."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return "<br>".join(line.replace("|", "\\|") for line in lines)


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            out += [block.text, ""]
        elif isinstance(block, Bullets):
            out += [f"- {item}" for item in block.items] + [""]
        else:
            aligns = ["---:" if i in block.numeric else "---" for i in range(len(block.headers))]
            out.append("| " + " | ".join(_md_cell(h) for h in block.headers) + " |")
            out.append("| " + " | ".join(aligns) + " |")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;max-width:1180px;margin:2rem auto;
padding:0 1.5rem;background:#fff}
h1{font-size:1.9rem;border-bottom:3px solid #1b1f24;padding-bottom:.3rem}
h2{font-size:1.35rem;margin-top:2.2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
h3{font-size:1.05rem;margin-top:1.4rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0 1.2rem;font-size:13px}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr:nth-child(even) td{background:#fbfcfd}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:0 .2rem;border-radius:3px}
.sev-High{color:#b42318;font-weight:600}.sev-Medium{color:#b54708;font-weight:600}.sev-Low{color:#175cd3}
.bad{color:#b42318;font-weight:600}.good{color:#067647}
"""


# A Markdown link the report writes: to a source line (relative path with a GitHub anchor) or to a web page.
_LINK = re.compile(r"\[([^\[\]]+)\]\(((?:https?://[^()\s]+)|(?:[^()\s:]+#L\d+(?:-L\d+)?))\)")


def _inline(text: str) -> str:
    """Escape, turn source and web links into <a>, `code` spans into <code>, and line breaks into <br>."""
    escaped = _LINK.sub(lambda m: f'<a href="{m[2]}">{m[1]}</a>', html.escape(text))
    parts = escaped.split("`")
    inline = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    return (
        "<br>".join(line.strip() for line in inline.strip().splitlines() if line.strip()) if "\n" in inline else inline
    )


def _cell(text: str, numeric: bool) -> str:
    classes = []
    if numeric:
        classes.append("num")
    for severity in ("High", "Medium", "Low"):
        if text == severity:
            classes.append(f"sev-{severity}")
    if text.startswith(("OVER", "FAIL", "untriaged")):
        classes.append("bad")
    attr = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attr}>{_inline(text)}</td>"


def _row(row: list[str], numeric: set[int]) -> str:
    return "<tr>" + "".join(_cell(c, i in numeric) for i, c in enumerate(row)) + "</tr>"


def to_html(blocks: list[Block], title: str) -> str:
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{_inline(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Bullets):
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block.items) + "</ul>")
        else:
            head = "".join(f"<th>{_inline(h)}</th>" for h in block.headers)
            rows = "".join(
                "<tr>" + "".join(_cell(c, i in block.numeric) for i, c in enumerate(row)) + "</tr>"
                for row in block.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
