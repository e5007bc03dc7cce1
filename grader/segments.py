"""The pieces of English a student reads, cut out of notebooks and Markdown pages.

A translation catalogue holds one entry per piece; :func:`replace_in_notebook` puts
each piece's translation back where the piece was, leaving everything else (code,
maths blocks, cell ids, grading metadata) as it is. The pieces are

- a **paragraph** of a Markdown cell or page: a block between blank lines, except a
  fenced code block, a display formula (``$$ ... $$``) or bare HTML tags;
- a **comment** of a code cell (a run of whole-line comments is one piece, its ``#``
  and indentation left out);
- a **string** of a code cell that holds words (two words of letters in a row): a
  plain string by its value, an f-string by its source, which the translation must
  also be (with the same ``{...}`` fields; :mod:`grader.catalogues` checks it).

Identical pieces share one entry, so a label used twice is translated the same way
in both places.
"""

import ast
import io
import re
import tokenize
from dataclasses import dataclass

#: A string holds words when it has two words of letters in a row.
_WORDS = re.compile(r"[A-Za-z]{2,}[\s,:;'.()/-]+[A-Za-z]{2,}")
_HTML_ONLY = re.compile(r"\s*(</?[A-Za-z][^>]*>\s*)+")
_DISPLAY_MATH = re.compile(r"\s*\$\$.*\$\$\s*", re.DOTALL)


@dataclass(frozen=True)
class Piece:
    """One piece of English: ``kind`` is ``paragraph``, ``comment``, ``string`` or ``fstring``."""

    kind: str
    text: str


def paragraphs(text):
    """``text`` cut into blocks and the blank-line runs between them, in order.

    Returns a list of ``(block, translatable)``; joining the blocks gives ``text``
    back. A fenced code block is never cut and never translated.
    """
    parts, current, fenced = [], [], False
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                parts.append("".join(current))
                current = []
            parts.append(line)
        else:
            current.append(line)
    if current:
        parts.append("".join(current))
    return [(part, _translatable(part)) for part in parts]


def _translatable(block):
    stripped = block.strip()
    if not stripped or stripped.startswith("```"):
        return False
    if _DISPLAY_MATH.fullmatch(block) or _HTML_ONLY.fullmatch(block):
        return False
    return re.search(r"[A-Za-z]{2,}", _without_maths_and_code(stripped)) is not None


def _without_maths_and_code(text):
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|\]\([^)]*\)|<[^>]*>", " ", text, flags=re.S)
    return text


def _split_block(block):
    """A block's text without the blank line that may end it, and that ending."""
    body = block.rstrip("\n")
    return body, block[len(body):]


def markdown_pieces(text):
    return [Piece("paragraph", _split_block(block)[0])
            for block, translatable in paragraphs(text) if translatable]


def replace_in_markdown(text, translate):
    """``text`` with each translatable paragraph replaced by ``translate(piece)``."""
    out = []
    for block, translatable in paragraphs(text):
        if translatable:
            body, ending = _split_block(block)
            block = translate(Piece("paragraph", body)) + ending
        out.append(block)
    return "".join(out)


def _python(source):
    """``source`` with IPython's magic lines blanked (same length, so offsets hold)."""
    return "\n".join(" " * len(line) if line.lstrip().startswith(("%", "!")) else line
                     for line in source.split("\n"))


def _offsets(source):
    """Character offset of each line's start, for (line, column) positions."""
    starts, total = [0], 0
    for line in source.split("\n"):
        total += len(line) + 1
        starts.append(total)
    return starts


def _code_spans(source):
    """``(start, end, piece, how)`` of every translatable comment and string in code.

    Offsets are in characters of ``source``; ``how`` is a comment's column, or the
    source of the string literal a piece replaces.
    """
    python = _python(source)
    try:
        tree = ast.parse(python)
        tokens = list(tokenize.generate_tokens(io.StringIO(python).readline))
    except (SyntaxError, tokenize.TokenError):
        return []
    lines = python.split("\n")
    starts = _offsets(python)

    def offset(line, byte_col):  # ast counts columns in bytes of UTF-8
        return starts[line - 1] + len(lines[line - 1].encode()[:byte_col].decode())

    def token_offset(line, col):  # tokenize counts them in characters
        return starts[line - 1] + col

    spans = []
    for node in _strings(tree):
        if isinstance(node, ast.JoinedStr):
            literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            kind = "fstring"
        else:
            literal, kind = node.value, "string"
        if not _WORDS.search(literal):
            continue
        start = offset(node.lineno, node.col_offset)
        end = offset(node.end_lineno, node.end_col_offset)
        text = python[start:end] if kind == "fstring" else node.value
        spans.append((start, end, Piece(kind, text), python[start:end]))

    run = []
    for token in tokens + [None]:
        if token is not None and token.type == tokenize.NL:
            continue  # the end of a comment's line: the run goes on if the next line is one
        whole_line = (token is not None and token.type == tokenize.COMMENT
                      and not token.line[:token.start[1]].strip()
                      and not _DIRECTIVE.fullmatch(token.string[1:].strip()))
        if whole_line and (not run or (token.start[0] == run[-1].start[0] + 1
                                        and token.start[1] == run[-1].start[1])):
            run.append(token)
            continue
        if run:
            spans.append(_comment_span(run, token_offset))
            run = []
        if whole_line:
            run = [token]
        elif token is not None and token.type == tokenize.COMMENT:
            spans.append(_comment_span([token], token_offset))
    return sorted((s for s in spans if s is not None), key=lambda s: s[0])


def _strings(node):
    """String literals and f-strings under ``node``; not the parts of an f-string."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant)
                                           and isinstance(node.value, str)):
        yield node
        return
    for child in ast.iter_child_nodes(node):
        yield from _strings(child)


#: Comments that are instructions to tools (nbval, nbgrader, linters), not prose.
_DIRECTIVE = re.compile(r"(NBVAL_\w+|YOUR CODE HERE|noqa\b.*|type: .*|fmt: .*)")


def _comment_span(run, offset):
    text = "\n".join(token.string[1:].strip() for token in run)
    if not re.search(r"[A-Za-z]{2,}", text) or _DIRECTIVE.fullmatch(text):
        return None
    start = offset(*run[0].start)
    end = offset(*run[-1].end)
    return (start, end, Piece("comment", text), run[0].start[1])


def _literal(value, original):
    """``value`` as a string literal quoted as ``original`` (the literal it replaces) was."""
    quote = re.match(r"[A-Za-z]*(\"\"\"|'''|\"|')", original).group(1)
    text = value.replace("\\", "\\\\").replace(quote[0], "\\" + quote[0])
    if len(quote) == 1:
        text = text.replace("\n", "\\n")
    return quote + text + quote


def code_pieces(source):
    return [piece for _, _, piece, _ in _code_spans(source)]


def replace_in_code(source, translate):
    """``source`` with each translatable comment and string replaced by its translation."""
    out, at = [], 0
    for start, end, piece, how in _code_spans(source):
        out.append(source[at:start])
        translated = translate(piece)
        if piece.kind == "comment":
            translated = ("\n" + " " * how).join(
                f"# {line}".rstrip() for line in translated.split("\n"))
        elif piece.kind == "string":
            translated = _literal(translated, how)
        out.append(translated)
        at = end
    out.append(source[at:])
    return "".join(out)


def _answer_cell(cell):
    """A written answer's cell: nbgrader scores it 0, "No response.", while its text is
    the released one (by checksum), so its placeholder stays as released."""
    role = cell.metadata.get("nbgrader", {})
    return bool(role.get("solution") and role.get("grade"))


def notebook_pieces(notebook):
    """Every piece of English in a notebook's cells, in order (repeats included)."""
    pieces = []
    for cell in notebook.cells:
        if _answer_cell(cell):
            continue
        if cell.cell_type == "markdown":
            pieces += markdown_pieces(cell.source)
        elif cell.cell_type == "code":
            pieces += code_pieces(cell.source)
    return pieces


def replace_in_notebook(notebook, translate):
    """``notebook`` (changed in place and returned) with every piece translated."""
    for cell in notebook.cells:
        if _answer_cell(cell):
            continue
        if cell.cell_type == "markdown":
            cell.source = replace_in_markdown(cell.source, translate)
        elif cell.cell_type == "code":
            cell.source = replace_in_code(cell.source, translate)
    return notebook
