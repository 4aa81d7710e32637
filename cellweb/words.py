"""Counts and quotations in words, as pages and job messages say them."""

from __future__ import annotations

__all__ = ["as_clause", "counted", "quoted"]


def counted(count: int, word: str) -> str:
    """``count`` and ``word``, plural unless the count is one: "1 specimen", "3 volumes"."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def as_clause(sentence: str) -> str:
    """A sentence to follow a colon: its first letter in lower case unless the first word is a
    name or an abbreviation ("The mask holds" -> "the mask holds"; "DAPI is" stays)."""
    first = sentence.split(" ", 1)[0]
    if first == "A" or (len(first) > 1 and first[0].isupper() and first[1:].islower()):
        return sentence[0].lower() + sentence[1:]
    return sentence


def quoted(text: str | None) -> tuple[str, str]:
    """Someone's words after a colon, ``: “text”``, and the full stop the sentence still needs
    after them: none when the words end their own sentence, so a comment "Redraw the left."
    reads “Redraw the left.” and not “Redraw the left.”. (``("", ".")`` for no words)."""
    if not text:
        return "", "."
    return f": “{text}”", "" if text.rstrip().endswith((".", "!", "?", "…")) else "."
