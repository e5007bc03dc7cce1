"""The Chinese edition's gettext catalogues: kept in step with the English sources.

The English source notebooks and modules are the only place where content is
written. Each released notebook, the welcome pages and the package's messages
have one catalogue, ``locale/zh_CN/<domain>.po``, holding a translation for each
piece of English (:mod:`grader.segments`, and ``_()`` calls in the package).
``make catalogues`` (``python -m grader.catalogues``) merges the current English
into them with Babel, the way ``pybabel update`` does: a new piece is added
untranslated, a changed one keeps its old translation marked fuzzy (with the old
English beside it), and a removed one is dropped. :func:`problems` lists what is
missing, fuzzy or unfaithful (a number, formula, code span, link or ``{field}`` of
the English that the translation lost); ``make test`` fails on any of them.
"""

import argparse
import ast
import io
import re
import sys
from collections import Counter
from datetime import datetime, timezone
from functools import cache

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from descentlab.course import EXERCISES, NOTEBOOKS

from . import PACKAGE, REPO, SOLUTIONS, segments

LOCALE = "zh_CN"
LOCALE_DIR = REPO / "locale" / LOCALE
#: The package's messages: the ``_()`` calls of ``src/descentlab``.
PACKAGE_DOMAIN = "descentlab"
#: The welcome page and the glossary page of the Chinese edition.
PAGES_DOMAIN = "pages"
DOMAINS = (*NOTEBOOKS, PAGES_DOMAIN, PACKAGE_DOMAIN)
#: The package's catalogue compiled for :mod:`gettext`, repository-relative.
MO_FILE = (PACKAGE / "locale" / LOCALE / "LC_MESSAGES" / f"{PACKAGE_DOMAIN}.mo").relative_to(REPO)

#: Fixed dates in the catalogues' headers, so that a merge changes only entries.
_DATE = datetime(2026, 12, 1, tzinfo=timezone.utc)
_HEADER = """\
# Descent Lab, the Chinese edition: {domain}.
# Translations of the English source; `make catalogues` merges changes of the English in.
#"""

_NOTES = {
    "paragraph": "Markdown paragraph: keep every $maths$, `code`, link target, HTML tag "
                 "and number.",
    "comment": "comment in code: keep every `code` span and number.",
    "string": "string in code: keep every number and {field}.",
    "fstring": "f-string in code: translate it as an f-string with the same {fields}.",
    "message": "message of the package: keep every {field}, `code` span and number.",
    "docstring": "docstring of an exercise (shown under the English in the student's file): "
                 "keep its layout, every `code` span, formula and number.",
}


def path(domain):
    return LOCALE_DIR / f"{domain}.po"


def _shown(file):
    """``file`` as messages name it: from the repository's root when it is inside."""
    return file.relative_to(REPO) if file.is_relative_to(REPO) else file


def english_pieces(domain):
    """The English pieces of ``domain``, in order of first appearance, without repeats."""
    if domain in NOTEBOOKS:
        import nbformat

        from .release import student_notebooks  # the released notebook, as students get it

        text = student_notebooks()[f"notebooks/{domain}/{domain}.ipynb"]
        pieces = segments.notebook_pieces(nbformat.reads(text, as_version=4))
    elif domain == PAGES_DOMAIN:
        from . import navigation

        pieces = [piece for page in navigation.english_pages().values()
                  for piece in segments.markdown_pieces(page)]
    else:
        pieces = [segments.Piece("message", message) for message in package_messages()]
        pieces += [segments.Piece("docstring", text) for text in exercise_docstrings()]
    return list(dict.fromkeys(pieces))


def exercise_docstrings():
    """The docstrings of the exercise modules and their functions, as students read them."""
    texts = []
    for module, functions in EXERCISES.items():
        tree = ast.parse((SOLUTIONS / "descentlab" / f"{module}.py").read_text("utf-8"))
        texts.append(ast.get_docstring(tree))
        texts += [ast.get_docstring(node) for node in tree.body
                  if isinstance(node, ast.FunctionDef) and node.name in functions]
    return texts


def package_messages():
    """Every ``_("...")`` message of the package, in file order."""
    messages = []
    for _, _, message, _, _ in extract_from_dir(
            PACKAGE, method_map=[("**.py", "python")], keywords={"_": None, "N_": None},
            comment_tags=(), strip_comment_tags=True):
        messages.append(message)
    return messages


def _new(domain):
    return Catalog(locale=LOCALE, domain=domain, project="Descent Lab", version="1",
                   header_comment=_HEADER.format(domain=domain), copyright_holder=None,
                   msgid_bugs_address="", last_translator="Descent Lab",
                   language_team="Descent Lab", creation_date=_DATE, revision_date=_DATE,
                   charset="utf-8", fuzzy=False)


def _context(kind):
    """Entries of code are told apart by kind: a comment and a string may read the same."""
    return None if kind in ("paragraph", "message") else kind


def kind_of(domain, context):
    """The kind of piece of an entry (the inverse of :func:`_context`)."""
    return context or ("message" if domain == PACKAGE_DOMAIN else "paragraph")


def template(domain):
    """A catalogue of ``domain``'s current English, every entry untranslated."""
    catalogue = _new(domain)
    for piece in english_pieces(domain):
        catalogue.add(piece.text, auto_comments=[_NOTES[piece.kind]],
                      context=_context(piece.kind))
    return catalogue


def read(domain):
    """The stored catalogue of ``domain`` (an empty one if there is none yet)."""
    if not path(domain).exists():
        return _new(domain)
    with path(domain).open("rb") as file:
        catalogue = read_po(file, locale=LOCALE, domain=domain)
    catalogue.header_comment = _HEADER.format(domain=domain)
    catalogue.revision_date = catalogue.creation_date = _DATE
    return catalogue


def write(domain, catalogue):
    # Babel guesses formats from braces and percent signs: in LaTeX and prose ("1% of")
    # they are none (the package's messages are str.format templates), and the fields a
    # translation must keep are checked by kept(), for every editor alike.
    wrong = {"python-format"} | ({"python-brace-format"} if domain != PACKAGE_DOMAIN else set())
    for message in catalogue:
        message.flags -= wrong
    path(domain).parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalogue, width=0, omit_header=False, ignore_obsolete=True,
             include_previous=True, sort_output=False)
    path(domain).write_bytes(buffer.getvalue())


def update(domain):
    """Merge ``domain``'s current English into its catalogue; returns the counts."""
    catalogue = read(domain)
    catalogue.update(template(domain), update_header_comment=False)
    write(domain, catalogue)
    return counts(catalogue)


def compiled_package_catalogue():
    """The package's catalogue as a ``.mo`` file (translated entries only)."""
    catalogue = read(PACKAGE_DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue, use_fuzzy=False)
    return buffer.getvalue()


def counts(catalogue):
    entries = [m for m in catalogue if m.id]
    return {"entries": len(entries),
            "translated": sum(1 for m in entries if m.string and not m.fuzzy),
            "fuzzy": sum(1 for m in entries if m.fuzzy)}


@cache
def translations(domain):
    """``{(context, English): Chinese}`` of the catalogue, translated entries only."""
    return {(m.context, m.id): m.string for m in read(domain)
            if m.id and m.string and not m.fuzzy}


def translate(domain):
    """The function :func:`grader.segments.replace_in_notebook` calls with each piece.

    Raises ``KeyError`` for a piece without a translation: the edition is never
    built with English left in it.
    """
    table = translations(domain)

    def one(piece):
        try:
            return table[(_context(piece.kind), piece.text)]
        except KeyError:
            raise KeyError(f"no translation in {_shown(path(domain))} for "
                           f"{piece.kind} {piece.text[:80]!r}: run `make catalogues` and "
                           "translate it") from None
    return one


# --- what a translation must keep -------------------------------------------------

_MATHS = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
_CODE = re.compile(r"``[^`\n]+?``|`[^`\n]+`")  # reStructuredText's double ones first
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_FIELD = re.compile(r"\{[^{}\s]*\}")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


_TEXT_IN_MATHS = re.compile(r"\\text\{[^{}]*\}")


def _code_lines(fenced):
    """The lines of a fenced code block without their comments (which are translated)."""
    return [line.split("#", 1)[0].rstrip() for line in fenced.strip().splitlines()
            if line.split("#", 1)[0].strip()]


def kept(kind, text):
    """What a translation of the piece ``text`` must keep, as a multiset per sort.

    In formulas the words of ``\\text{...}`` are the translation's; in a fenced code
    block, the comments."""
    if kind == "paragraph" and text.lstrip().startswith("```"):
        return {"code lines": Counter(_code_lines(text)),
                "numbers": Counter(_NUMBER.findall(text))}
    plain = _CODE.sub(" ", _MATHS.sub(" ", text))
    keep = {"maths": Counter(_TEXT_IN_MATHS.sub(r"\\text{}", m.strip())
                             for m in _MATHS.findall(text)),
            "code": Counter(_CODE.findall(text)),
            "link targets": Counter(_LINK_TARGET.findall(text)),
            "HTML tags": Counter(t.lower() for t in _TAG.findall(text)),
            "numbers": Counter(_NUMBER.findall(_LINK_TARGET.sub(" ", _TAG.sub(" ", plain))))}
    if kind in ("string", "message"):
        keep["fields"] = Counter(_FIELD.findall(text))
    if kind == "fstring":
        keep = {"numbers": keep["numbers"], "fields": _fstring_fields(text)}
    return keep


def _fstring_fields(source):
    """The ``{...}`` fields of the f-string literal ``source``, as their code."""
    try:  # in parentheses: the pieces of an implicitly joined f-string may span lines
        node = ast.parse(f"({source.strip()})", mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.JoinedStr):
        return None
    return Counter(ast.dump(v) for v in node.values if isinstance(v, ast.FormattedValue))


def unfaithful(kind, english, chinese):
    """What the translation ``chinese`` lost or added of ``english``'s maths, code, ...

    Returns a list of sentences, empty when the translation keeps everything.
    """
    wanted, got = kept(kind, english), kept(kind, chinese)
    said = []
    for sort, expected in wanted.items():
        if got[sort] is None or expected is None:
            said.append("is not an f-string literal")
        elif got[sort] != expected:
            lost = sorted((expected - got[sort]).elements())
            added = sorted((got[sort] - expected).elements())
            said.append(f"{sort} differ: lost {lost}, added {added}")
    return said


def problems(domain, english=None):
    """Everything wrong with ``domain``'s catalogue against the current English.

    ``english`` is the catalogue of the current English (by default, :func:`template`);
    a translator checks the stored catalogue against itself.
    """
    stored = read(domain)
    english = english if english is not None else template(domain)
    found = []
    where = _shown(path(domain))
    for message in english:
        if not message.id:
            continue
        entry = stored.get(message.id, context=message.context)
        short = message.id[:70].replace("\n", " ")
        if entry is None:
            found.append(f"{where}: missing {short!r} (run `make catalogues`, then translate)")
        elif entry.fuzzy:
            found.append(f"{where}: fuzzy {short!r}: its English changed; check the "
                         "translation and remove the fuzzy flag")
        elif not entry.string:
            found.append(f"{where}: untranslated {short!r}")
        else:
            for said in unfaithful(kind_of(domain, message.context), message.id, entry.string):
                found.append(f"{where}: the translation of {short!r} {said}")
    for entry in stored:
        if entry.id and english.get(entry.id, context=entry.context) is None:
            found.append(f"{where}: obsolete {entry.id[:70]!r} (run `make catalogues`)")
    return found


def main(argv=None):
    """``make catalogues``: merge the English into every catalogue and say what is left."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domains", nargs="*", default=DOMAINS, help="catalogues to update")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; list what is untranslated, fuzzy or unfaithful "
                             "in the stored entries (for translators: fast, no release)")
    args = parser.parse_args(argv)
    if args.check:
        found = [p for domain in args.domains for p in problems(domain, english=read(domain))]
        print("\n".join(found) or "no problems in the stored entries")
        return 1 if found else 0
    domains = args.domains
    left = 0
    for domain in domains:
        number = update(domain)
        todo = number["entries"] - number["translated"]
        left += todo
        print(f"{_shown(path(domain))}: {number['entries']} entries, "
              f"{number['translated']} translated, {number['fuzzy']} fuzzy")
    print(f"{left} entries to translate or check" if left else "every entry is translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
