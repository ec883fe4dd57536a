"""Tell the article's own text from the site around it, line by line.

News pages copied as text carry menus, breadcrumbs, photo captions, "Read more" teasers, lists of
related stories, tags, comment rules and sometimes spam. None of it states anything about the
actors, so the extractor reads only the lines this module keeps. The tests are general ones about
the *shape* of a line, never about particular articles:

* a line made of a known site phrase ("Read more", "Leave a comment", "Privacy Policy", "Log in",
  "Tags:", "© AP Photo", "Jump to: navigation") or of links and separators;
* a short line, or a line in Title Case, that does not end like a sentence (headlines, menu items,
  captions, datelines): news prose ends with a full stop, a question or exclamation mark, or a
  closing quote;
* a line that ends in an ellipsis after a dateline (a truncated teaser);
* a bullet in a run of bullets (a list of links or of rules);
* everything after a closing marker ("Related:", "Tags:", "Leave a comment", "About the author",
  "Check also", "Community standards") in the second half of the page;
* a dateline at the start of a line ("MOSCOW (Sputnik) -", "AT Monitoring Desk-KABUL:") is cut off
  the line, not dropped with it.

Spam is a property of sentences, not lines (a spam paragraph can share a line with real reporting),
so :func:`is_spam` is applied to each sentence by the extractor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Paragraph", "content_paragraphs", "is_site_line", "is_spam"]

_SITE_PHRASES = re.compile(
    r"""^\s*(
        read\ more | related(\ articles|\ stories|\ posts)?\s*:? | tags?\s*: | share(\ this)?\b |
        leave\ a\ (comment|reply) | be\ the\ first\ to\ comment | \d*\s*comments?\b |
        comment\ via | log\ ?in\b | sign\ (in|up) | register\b | registration\b | subscribe |
        privacy\ policy | cookie | all\ rights\ reserved | follow\ us | newsletter | check\ also |
        about\ (the\ )?(admin|author) | jump\ to\s*: | get\ short\ url | listen\ live |
        community\ standards | all\ news | recommended\b | multimedia\b | advertisement |
        (c|©)\s | © | photo\s*: | file\s*[,:(] | categories\b | quick\ analysis | home\s*/ |
        search\b | live\s*: | click\ here | sponsored | password | forgot\ your | captcha |
        from\ wikinews | you\ can\ write | pillars\ of | writing\ an\ article | printable |
        yes\s*no$ | accept\s*refuse$ | hello,\ ! | close$ | ok$ | news$ | avatar$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_CLOSING = re.compile(
    r"^\s*(related(\ articles|\ stories)?\s*:|tags\s*:|leave\ a\ (comment|reply)|about\ (the\ )?"
    r"(admin|author)|check\ also|community\ standards|comments?\s*$|share\ this)",
    re.IGNORECASE | re.VERBOSE,
)
_SENTENCE_END = re.compile(r"""[.!?]["'\u201d\u2019)\]]*\s*$|["\u201d]\s*$""")
_BULLET = re.compile(r"^\s*([\u2022\u25cf\u25aa\u2023*\-\u2013]|\d+[.)])\s+")
_DATELINE = re.compile(
    r"""^(?P<dl>\s*(?:[A-Z][\w .&]{0,30}?[-\u2013\u2014])?[A-Z][A-Z .'-]{2,}
        (?:\s*\([^)]{1,40}\))?\s*[-\u2013\u2014:]+\s*)(?=[A-Z"\u201c])""",
    re.VERBOSE,
)
_SPAM = re.compile(
    r"""\b(viagra|cialis|levitra|erectile|dysfunction|pharmacy|prescription|casino|
        poker|payday|loans?\ online|weight\ loss|bitcoin\ profit|porn|escort|replica\ watches|
        cheap\ \w+\ online|buy\ \w+\ online)\b|https?://|www\.\S+""",
    re.IGNORECASE | re.VERBOSE,
)
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][\w'\u2019-]*")
SHORT_LINE_WORDS = 12


@dataclass(frozen=True)
class Paragraph:
    """A kept line: its text and where it starts in the article (code points)."""

    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def is_spam(sentence: str) -> bool:
    """Whether a sentence is spam or a bare link.

    >>> is_spam("Buy cheap viagra pfizer http://example.com today."), is_spam("Russia met China.")
    (True, False)
    """
    return _SPAM.search(sentence) is not None


def is_site_line(line: str) -> bool:
    """Whether a line is a known site phrase (menu, teaser, tags, comment prompt…)."""
    return _SITE_PHRASES.match(line.strip()) is not None


def _is_boilerplate(line: str, bullets_around: bool) -> bool:
    text = line.strip()
    if not text:
        return True
    words = _WORD.findall(text)
    if _SITE_PHRASES.match(text):
        return True
    if _BULLET.match(text) and bullets_around:
        return True
    ends_like_prose = _SENTENCE_END.search(text) is not None
    if len(words) < SHORT_LINE_WORDS and not ends_like_prose:
        return True
    capitalised = sum(1 for w in words if w[:1].isupper())
    if not ends_like_prose and capitalised >= 0.7 * len(words):
        return True  # a headline in Title Case
    if text.endswith(("\u2026", "...")) and len(words) < 40:
        return True  # a truncated teaser
    links = text.count(" / ") + text.count(" | ")
    return links >= 2


def content_paragraphs(text: str) -> list[Paragraph]:
    """The lines of ``text`` that are the article's own prose, datelines cut off.

    >>> page = "Home / World / Russia\\nRead more: Taliban talks\\nMOSCOW (Agency) - Russia met China on Monday, officials said.\\nTags: Russia"
    >>> [p.text for p in content_paragraphs(page)]
    ['Russia met China on Monday, officials said.']
    """
    lines: list[tuple[int, str]] = []
    offset = 0
    for raw in text.splitlines(keepends=True):
        lines.append((offset, raw.rstrip("\r\n")))
        offset += len(raw)
    bullets = [bool(_BULLET.match(line)) for _, line in lines]
    kept: list[Paragraph] = []
    half = len(text) // 2
    for i, (start, line) in enumerate(lines):
        if start > half and _CLOSING.match(line):
            break
        around = (i > 0 and bullets[i - 1]) or (i + 1 < len(bullets) and bullets[i + 1])
        if _is_boilerplate(line, around):
            continue
        lead = len(line) - len(line.lstrip())
        body_start = start + lead
        body = line.strip()
        if m := _DATELINE.match(body):
            cut = len(m.group("dl"))
            body_start += cut
            body = body[cut:]
        kept.append(Paragraph(body_start, body))
    return kept
