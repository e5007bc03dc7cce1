"""The pieces of English a student reads, cut out of notebooks and Markdown pages.

A translation catalogue holds one entry per piece; :func:`replace_in_notebook` puts
each piece's translation back where the piece was, leaving everything else (code,
maths blocks, cell ids, grading metadata) as it is. The pieces are

- a **paragraph** of a Markdown cell or page: a block between blank lines, except a
  fenced code block, a display formula (``$$ ... $$``) or bare HTML tags;
- a **comment** of a code cell (a run of whole-line comments is one piece, its ``#``
  and indentation left out);
- a **string** of a code cell that holds words (two words of letters), or one word
  where it is shown (an argument of ``print``, a ``label=``/``title=``-like keyword,
  a key of a dict handed to ``plots``, whose keys are legend labels, a dict key with a
  space in it): a plain string
  by its value, an f-string by its source, which the translation must also be (with
  the same ``{...}`` fields; :mod:`grader.catalogues` checks it). A one-word string
  anywhere else is a key or a setting (``"lr"``, ``"ignore"``) and stays.

Identical pieces share one entry, so a label used twice is translated the same way
in both places.
"""

import ast
import io
import re
import tokenize
from dataclasses import dataclass

#: A string holds words when it has two words of letters; a shown string, one.
_WORDS = re.compile(r"\b[A-Za-z]{2,}\b.*\b[A-Za-z]{2,}\b", re.S)
_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
#: Keywords whose string is shown to the student.
_SHOWN_KEYWORDS = {"label", "title", "xlabel", "ylabel", "desc", "description"}
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
    back. A fenced code block is never cut; it is translated (its comments only) when
    it has comments, and a display formula when it holds words in ``\\text{...}``.
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
    if not stripped or _HTML_ONLY.fullmatch(block):
        return False
    if stripped.startswith("```"):
        return re.search(r"^\s*#.*[A-Za-z]{2,}", stripped, flags=re.M) is not None
    if _DISPLAY_MATH.fullmatch(block):
        return re.search(r"\\text\{[^{}]*[A-Za-z]{2,}", block) is not None
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


def _tree(source):
    """The syntax tree of a code cell, or None for what Python cannot read."""
    try:
        return ast.parse(_python(source))
    except SyntaxError:
        return None


def string_values(sources):
    """The plain strings of the code ``sources`` (one notebook's cells) to translate.

    A string is chosen where it holds words (see the module's docstring); it is then
    translated everywhere it occurs, so that a label that is also a dict key stays one
    key. A value also used inside an f-string's ``{...}`` field (code the translation
    keeps) is not chosen: its two spellings would part.
    """
    chosen, in_fields = set(), set()
    for tree in filter(None, map(_tree, sources)):
        for node, shown in _strings(tree):
            if isinstance(node, ast.Constant) and _holds_words(node.value, shown):
                chosen.add(node.value)
        for node in ast.walk(tree):
            if isinstance(node, ast.FormattedValue):
                in_fields |= {n.value for n in ast.walk(node.value)
                              if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return chosen - in_fields


def _holds_words(literal, shown):
    return bool(_WORDS.search(literal) or (shown and _WORD.search(literal)))


def _code_spans(source, values=None):
    """``(start, end, piece, how)`` of every translatable comment and string in code.

    Offsets are in characters of ``source``; ``how`` is a comment's column, or the
    source of the string literal a piece replaces. ``values`` are the plain strings to
    translate (:func:`string_values`; by default, this cell's own).
    """
    python = _python(source)
    try:
        tree = ast.parse(python)
        tokens = list(tokenize.generate_tokens(io.StringIO(python).readline))
    except (SyntaxError, tokenize.TokenError):
        return []
    values = string_values([source]) if values is None else values
    lines = python.split("\n")
    starts = _offsets(python)

    def offset(line, byte_col):  # ast counts columns in bytes of UTF-8
        return starts[line - 1] + len(lines[line - 1].encode()[:byte_col].decode())

    def token_offset(line, col):  # tokenize counts them in characters
        return starts[line - 1] + col

    spans = []
    for node, _shown in _strings(tree):
        if isinstance(node, ast.JoinedStr):
            literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if not _holds_words(literal, False):
                continue
        elif node.value not in values:
            continue
        start = offset(node.lineno, node.col_offset)
        end = offset(node.end_lineno, node.end_col_offset)
        piece = (Piece("fstring", python[start:end]) if isinstance(node, ast.JoinedStr)
                 else Piece("string", node.value))
        spans.append((start, end, piece, python[start:end]))

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


def _strings(node, shown=False):
    """``(literal, shown)`` for the string literals and f-strings under ``node`` (not the
    parts of an f-string); ``shown`` when the literal is where the student sees it."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant)
                                           and isinstance(node.value, str)):
        yield node, shown
        return
    if isinstance(node, ast.Call):
        to_plots = (isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "plots")
        printed = isinstance(node.func, ast.Name) and node.func.id == "print"
        yield from _strings(node.func)
        for arg in node.args:
            if to_plots and isinstance(arg, ast.Dict):  # its keys are the legend's labels
                for key, value in zip(arg.keys, arg.values, strict=True):
                    if key is not None:
                        yield from _strings(key, True)
                    yield from _strings(value)
            else:
                yield from _strings(arg, shown or printed)
        for keyword in node.keywords:
            yield from _strings(keyword.value, shown or keyword.arg in _SHOWN_KEYWORDS)
        return
    if isinstance(node, ast.Dict):  # a key with a space in it is a label, not a name
        for key, value in zip(node.keys, node.values, strict=True):
            if key is not None:
                label = isinstance(key, ast.Constant) and " " in str(key.value)
                yield from _strings(key, shown or label)
            yield from _strings(value, shown)
        return
    for child in ast.iter_child_nodes(node):
        yield from _strings(child, shown)


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


def code_pieces(source, values=None):
    return [piece for _, _, piece, _ in _code_spans(source, values)]


def replace_in_code(source, translate, values=None):
    """``source`` with each translatable comment and string replaced by its translation."""
    out, at = [], 0
    for start, end, piece, how in _code_spans(source, values):
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
    pieces, values = [], _notebook_values(notebook)
    for cell in notebook.cells:
        if _answer_cell(cell):
            continue
        if cell.cell_type == "markdown":
            pieces += markdown_pieces(cell.source)
        elif cell.cell_type == "code":
            pieces += code_pieces(cell.source, values)
    return pieces


def _notebook_values(notebook):
    return string_values([c.source for c in notebook.cells
                          if c.cell_type == "code" and not _answer_cell(c)])


def replace_in_notebook(notebook, translate):
    """``notebook`` (changed in place and returned) with every piece translated."""
    values = _notebook_values(notebook)
    for cell in notebook.cells:
        if _answer_cell(cell):
            continue
        if cell.cell_type == "markdown":
            cell.source = replace_in_markdown(cell.source, translate)
        elif cell.cell_type == "code":
            cell.source = replace_in_code(cell.source, translate, values)
    return notebook
