"""The language the package speaks: English, or Chinese in the Chinese edition (provided code).

Messages are written in English as ``_("...")`` (or marked ``N_("...")`` where they
are stored to be translated later, filled in as a :class:`Message`) and translated
with the standard library's :mod:`gettext` from
``locale/zh_CN/LC_MESSAGES/descentlab.mo``, which ``make release`` compiles from the
catalogue ``locale/zh_CN/descentlab.po``.

The language is chosen each time a message is made, so a kernel follows its
notebook's edition:

1. ``DESCENTLAB_LANG`` if set (``zh_CN`` or ``en``; the grader sets it for a
   Chinese-edition submission);
2. otherwise the edition of the folder the kernel runs in: a notebook of
   ``notebooks-zh/`` runs in ``notebooks-zh/<name>/``, and ``notebooks-zh/`` holds
   the file :data:`MARKER` naming its language;
3. otherwise English.
"""

import gettext
import os
from functools import cache
from pathlib import Path

#: The file an edition's folder holds to name its language.
MARKER = ".descentlab-language"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "descentlab"


def language():
    """The language of messages now: ``"en"`` or a locale such as ``"zh_CN"``."""
    chosen = os.environ.get("DESCENTLAB_LANG", "").strip()
    if chosen:
        return chosen
    here = Path.cwd()
    for folder in (here, here.parent):
        marker = folder / MARKER
        if marker.is_file():
            return marker.read_text("utf-8").strip() or "en"
    return "en"


@cache
def _translation(lang):
    if lang.startswith("en"):
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _(message):
    """``message`` in the current language (the English itself when untranslated)."""
    return _translation(language()).gettext(message)


def N_(message):  # noqa: N802 (gettext's own name for it)
    """Mark ``message`` for translation without translating it yet (it is stored)."""
    return message


class Message(str):
    """A template filled in, kept in English, translated when shown.

    ``Message(N_("lr above the edge {edge}"), edge="2")`` is the English text (what is
    stored and counted, e.g. a named mistake in the class report, whatever the
    student's edition); :func:`translated` gives it in the current language.
    """

    def __new__(cls, template, **fields):
        message = super().__new__(cls, template.format(**fields))
        message.template, message.fields = template, fields
        return message


def translated(message):
    """``message`` in the current language: a :class:`Message` is filled in again from its
    translated template; any other text is looked up as it is."""
    if isinstance(message, Message):
        return _(message.template).format(**message.fields)
    return _(message)
