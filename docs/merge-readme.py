#!/usr/bin/env python3
"""Merge docs/<name>.md sections into README.md between <!-- name --> and <!-- /name --> markers.

The README is the front door; the fragments are where each command's text is
kept while it is written. Run after editing a fragment: python3 docs/merge-readme.py
"""
import pathlib, re

root = pathlib.Path(__file__).resolve().parent.parent
readme = root / "README.md"
text = readme.read_text()
for name in ["drift", "generate", "lint", "guard", "compat", "guarantees", "bench"]:
    frag = root / "docs" / f"{name}.md"
    if not frag.exists():
        continue
    body = frag.read_text().strip()
    # demote the fragment's headings by one level when they start at "## " inside the reference
    if name in ("drift", "generate", "lint"):
        out, fenced = [], False
        for line in body.split("\n"):
            if line.startswith("```"):
                fenced = not fenced
            elif not fenced and re.match(r"#+ ", line):
                line = "##" + line
            out.append(line)
        body = "\n".join(out)
    block = f"<!-- {name} -->\n{body}\n<!-- /{name} -->"
    pat = re.compile(rf"<!-- {name} -->(?:.*?<!-- /{name} -->)?", re.S)
    text, n = pat.subn(lambda _: block, text, count=1)
    if n == 0:
        print(f"no marker for {name}")
readme.write_text(text)
