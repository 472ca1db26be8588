"""Text that fits its shape: lines and font sizes for SVG text inside a circle, chosen by the text's length.

The seal carries programme names and award titles the office types; whatever their length, each line is
given a ``textLength`` no wider than the circle at that height, so a renderer never draws outside it.
"""
import math
from dataclasses import dataclass

from django import template

register = template.Library()

# Advances of bold sans-serif capitals, in ems. Only an estimate: textLength makes the rendered line exact.
NARROW, WIDE, USUAL = 0.34, 0.95, 0.72
NARROW_CHARACTERS, WIDE_CHARACTERS = set(" IJ1.,:;'!|()-/"), set("MW@%")
LINE_HEIGHT = 1.2
CAP_HEIGHT = 0.75
SMALLEST_SIZE = 7.0
SIZE_STEP = 0.5


@dataclass
class Line:
    """One line of SVG text; numbers are strings so that a locale never writes a decimal comma into the SVG."""

    text: str
    y: str
    size: str
    length: str  # textLength: the rendered advance, never wider than the circle at this line
    adjust: str  # lengthAdjust: "spacing" when the estimate already fits, "spacingAndGlyphs" when squeezed


def chord(radius, distance):
    return 2 * math.sqrt(max(radius * radius - distance * distance, 0.0))


def advance(text, size):
    """The estimated width of ``text`` in capitals at ``size``."""
    return size * sum(NARROW if c in NARROW_CHARACTERS else WIDE if c in WIDE_CHARACTERS else USUAL for c in text)


def wrap(words, widths, size):
    """Greedy word wrap into at most len(widths) lines; None when the words do not fit at this size."""
    lines, current = [], ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if advance(candidate, size) <= widths[len(lines)]:
            current = candidate
            continue
        if not current or len(lines) + 1 == len(widths):
            return None
        lines.append(current)
        current = word
        if advance(current, size) > widths[len(lines)]:
            return None
    return lines + [current]


def squeeze(text, widths):
    """``text`` cut into one piece per line, each as long as its line is wide, at a space near each cut when there is one."""
    total, cuts, reached = sum(widths), [], 0.0
    for width in widths[:-1]:
        reached += width
        ideal = round(len(text) * reached / total)
        spaces = [i for i in range(ideal - 8, ideal + 9) if 0 < i < len(text) and text[i] == " "]
        cut = min(spaces, key=lambda i: abs(i - ideal)) if spaces else ideal
        cuts.append(max(cut, cuts[-1] + 1 if cuts else 1))
    pieces = [text[start:end].strip() for start, end in zip([0, *cuts], [*cuts, len(text)])]
    return [piece for piece in pieces if piece]


@register.simple_tag
def fit_in_circle(text, *, center, radius, top, bottom, largest):
    """Lines of ``text`` centred between heights ``top`` and ``bottom`` of a circle, as large as fits (at most ``largest``)."""
    words = str(text).split()
    if not words:
        return []

    def layout(size, count):
        line_height = size * LINE_HEIGHT
        first = (top + bottom) / 2 - line_height * (count - 1) / 2 + size * CAP_HEIGHT / 2
        baselines = [first + n * line_height for n in range(count)]
        widths = [min(chord(radius, y - center), chord(radius, y - size * CAP_HEIGHT - center)) for y in baselines]
        return baselines, widths

    size = largest
    while size >= SMALLEST_SIZE:
        most = max(1, int((bottom - top) // (size * LINE_HEIGHT)))
        for count in range(1, most + 1):
            baselines, widths = layout(size, count)
            lines = wrap(words, widths, size)
            if lines:
                return lines_of(lines, baselines, widths, size)
        size -= SIZE_STEP
    # Too long for any size: the smallest size, as many lines as the band holds, each squeezed to its width.
    count = max(1, int((bottom - top) // (SMALLEST_SIZE * LINE_HEIGHT)))
    lines = squeeze(" ".join(words), layout(SMALLEST_SIZE, count)[1])
    baselines, widths = layout(SMALLEST_SIZE, len(lines))
    return lines_of(lines, baselines, widths, SMALLEST_SIZE)


def lines_of(texts, baselines, widths, size):
    lines = []
    for text, y, width in zip(texts, baselines, widths):
        estimate = advance(text, size)
        lines.append(Line(
            text=text, y=f"{y:.1f}", size=f"{size:.1f}", length=f"{min(estimate, width):.1f}",
            adjust="spacing" if estimate <= width else "spacingAndGlyphs",
        ))
    return lines
