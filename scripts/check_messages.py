"""Check the English catalogue: every msgid translated, nothing fuzzy.

    python scripts/check_messages.py                 # list what is missing; exit 1 if anything is
    python scripts/check_messages.py --apply FILE    # fill msgstrs from a TSV written by the listing

The listing is a TSV that is easy to fill in: one line per missing entry, `msgid<TAB>` (the plural form
follows as a third column, `msgid<TAB><TAB>msgid_plural`, to be filled as `msgid<TAB>one<TAB>other`).
Tabs, newlines and backslashes are escaped as \\t, \\n and \\\\. Save the output, type the English after
the tab, then run `--apply` and `make messages` (which recompiles the .mo). Fuzzy entries — guesses that
makemessages makes when a msgid changed — are listed too and have their flag removed when applied.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "onewindow" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append({"t": "\t", "n": "\n", "\\": "\\"}.get(text[i + 1], "\\" + text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def problems(path: Path = CATALOGUE) -> list[polib.POEntry]:
    """Entries that are untranslated (an empty msgstr or plural form) or marked fuzzy."""
    po = polib.pofile(str(path))
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            empty = not entry.msgstr_plural or any(not v for v in entry.msgstr_plural.values())
        else:
            empty = not entry.msgstr
        if empty or entry.fuzzy:
            found.append(entry)
    return found


def listing(entries: list[polib.POEntry]) -> str:
    lines = []
    for entry in entries:
        if entry.msgid_plural:
            lines.append(f"{_escape(entry.msgid)}\t\t{_escape(entry.msgid_plural)}")
        else:
            lines.append(f"{_escape(entry.msgid)}\t")
    return "\n".join(lines)


def apply(tsv: Path, path: Path = CATALOGUE) -> int:
    """Fill msgstrs from `msgid<TAB>msgstr[<TAB>msgstr_plural]` lines; return how many were set."""
    po = polib.pofile(str(path))
    by_id = {e.msgid: e for e in po if not e.obsolete}
    count = 0
    for n, raw in enumerate(tsv.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        msgid, _, rest = raw.partition("\t")
        entry = by_id.get(_unescape(msgid))
        forms = [_unescape(f) for f in rest.split("\t")]
        if entry is None or not forms[0]:
            print(f"line {n}: skipped (unknown msgid or empty translation)", file=sys.stderr)
            continue
        if entry.msgid_plural:
            other = forms[1] if len(forms) > 1 and forms[1] else forms[0]
            entry.msgstr_plural = {0: forms[0], 1: other}
        else:
            entry.msgstr = forms[0]
        if entry.fuzzy:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
            entry.previous_msgid_plural = None
        count += 1
    po.save(str(path))
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apply", type=Path, metavar="TSV", help="fill translations from a TSV file")
    args = parser.parse_args()
    if args.apply:
        print(f"{apply(args.apply)} entries filled", file=sys.stderr)
    missing = problems()
    if missing:
        print(listing(missing))
        print(f"{len(missing)} entries untranslated or fuzzy in {CATALOGUE.relative_to(ROOT)}", file=sys.stderr)
        return 1
    print("English catalogue complete", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
