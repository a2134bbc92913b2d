#!/usr/bin/env python3
"""Checks that the documentation's references resolve (run by scripts/lib/bin/check-deploy).

In README.md and docs/*.md:
  - every relative link or image, [text](path) and [text](path#anchor), names a file or folder of
    the repository, and its #anchor (or a bare #anchor, within the page) is a heading of the page it
    points to, as GitHub makes anchors of headings;
  - every repository path written as code (`Shared/...`, `scripts/...`, `deploy/...`, ...: one word
    starting with a top-level folder) exists, so a page cannot name a file that moved away.
And in every other file git tracks (comments in code, scripts, manifests): every page named
(docs/<page>.md) exists, and a section named after it (docs/<page>.md, "Heading") is one of its headings.
Links to other sites (http:, https:, mailto:) are not followed.

    check_docs.py [REPOSITORY_ROOT]     prints each broken reference as FILE:LINE: ... and exits 1
"""

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

# Folders whose paths the pages name as code; a code span that starts with one of them is a path.
PATH_ROOTS = ("Shared/", "Services/", "Tests/", "Benchmarks/", "deploy/", "scripts/", "docs/", ".ci/")
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"(`+)((?:(?!\n\s*\n).)+?)\1", re.DOTALL)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
# A page named elsewhere, and the section named after it: docs/kubernetes.md, "Production".
PAGE_REFERENCE = re.compile(r"\b(docs/[A-Za-z0-9_-]+\.md)(?:(?:'s|,)? *\(?\"([^\"\n]+)\")?")


def pages(root):
    return [root / "README.md"] + sorted((root / "docs").glob("*.md"))


def prose_lines(text):
    """The page's lines outside fenced code blocks, with their numbers."""
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            inside = not inside
            continue
        if not inside:
            yield number, line


def prose(text):
    """The page with its fenced code blocks blanked (lines kept, so offsets keep their line numbers)."""
    kept = dict(prose_lines(text))
    return "\n".join(kept.get(number, "") for number in range(1, len(text.splitlines()) + 1))


def heading_text(markdown):
    """A heading's text as GitHub renders it: links as their text, code and emphasis unmarked."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    return re.sub(r"[`*]", "", text)


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation but '-' and '_' dropped, spaces to '-'."""
    text = heading_text(heading).strip().lower()
    kept = "".join(
        character for character in text
        if character in "-_ " or unicodedata.category(character)[0] in "LNM"
    )
    return kept.replace(" ", "-")


def anchors(page):
    """The anchors of a page's headings, repeated headings numbered as GitHub numbers them."""
    seen = {}
    found = set()
    for _, line in prose_lines(page.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def without_code_spans(text):
    return CODE_SPAN.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), text)


def check_page(page, root, anchor_cache, counts):
    problems = []
    name = page.relative_to(root)
    text = prose(page.read_text(encoding="utf-8"))

    def line_of(match):
        return text.count("\n", 0, match.start()) + 1

    # Links may run over a line break, so the page is searched whole.
    for match in LINK.finditer(without_code_spans(text)):
        target, number = match.group(1), line_of(match)
        if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue
        counts["links"] += 1
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            problems.append(f"{name}:{number}: {target}: no such file or folder")
            continue
        if not anchor:
            continue
        if resolved.suffix != ".md":
            problems.append(f"{name}:{number}: {target}: an anchor into a file that is not a page")
            continue
        if resolved not in anchor_cache:
            anchor_cache[resolved] = anchors(resolved)
        if anchor not in anchor_cache[resolved]:
            problems.append(f"{name}:{number}: {target}: {resolved.relative_to(root)} has no heading with the anchor #{anchor}")
    for match in CODE_SPAN.finditer(text):
        code = match.group(2).strip()
        if not code.startswith(PATH_ROOTS) or re.search(r"[\s<>{}*…]", code):
            continue
        counts["paths"] += 1
        if not (root / code.rstrip("/")).exists():
            problems.append(f"{name}:{line_of(match)}: `{code}`: no such file or folder in the repository")
    return problems


def check_references(root, anchor_cache, counts):
    """The pages and sections that the repository's other files name."""
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return [f"{root}: not a git checkout; the references to docs/ from other files were not checked"]
    problems = []
    for name in listed.splitlines():
        path = root / name
        if name == "README.md" or name.startswith("docs/") or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for match in PAGE_REFERENCE.finditer(text):
            page, section = root / match.group(1), match.group(2)
            number = text.count("\n", 0, match.start()) + 1
            counts["references"] += 1
            if not page.is_file():
                problems.append(f"{name}:{number}: {match.group(1)}: no such page")
            elif section is not None:
                if page not in anchor_cache:
                    anchor_cache[page] = anchors(page)
                if slug(section) not in anchor_cache[page]:
                    problems.append(f"{name}:{number}: {match.group(1)} has no section \"{section}\"")
    return problems


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[3]).resolve()
    anchor_cache = {}
    counts = {"links": 0, "paths": 0, "references": 0}
    problems = []
    checked = pages(root)
    for page in checked:
        problems += check_page(page, root, anchor_cache, counts)
    problems += check_references(root, anchor_cache, counts)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} broken reference(s) in the documentation")
        return 1
    print(
        f"docs: the {counts['links']} relative links and anchors and {counts['paths']} repository paths"
        f" of {len(checked)} pages resolve (README.md, docs/*.md), and so do the {counts['references']} references"
        " to docs/ from other files"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
