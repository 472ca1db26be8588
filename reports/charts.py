"""Horizontal bar charts as SVG geometry: the template draws what this works out, with no script in the page.

Coordinates are strings with a decimal point whatever the reader's language (templates would localise a float).
"""
WIDTH = 640
LABEL_WIDTH = 220  # the row labels (cut to LABEL_CHARS), right-aligned against the bars
LABEL_CHARS = 30
VALUE_ROOM = 50  # the number after the longest bar
BAR = 14
BAR_GAP = 3
ROW_GAP = 12
LEGEND = 28


def coordinate(number):
    return f"{number:.1f}"


def bar_chart(figure):
    """Each row of ``figure`` as a group of bars, one per charted series, scaled to the largest value."""
    series = list(zip(figure.series, figure.colours))
    largest = max((values[i] or 0 for _label, values in figure.rows for i in range(len(series))), default=0) or 1
    plot = WIDTH - LABEL_WIDTH - VALUE_ROOM
    group = len(series) * (BAR + BAR_GAP) - BAR_GAP
    legend, x = [], LABEL_WIDTH
    for name, colour in series if len(series) > 1 else []:
        legend.append({"name": name, "colour": colour, "x": coordinate(x), "text_x": coordinate(x + 16)})
        x += 16 + 7 * len(name) + 24  # a swatch, the name at about 7 units a character, a gap
    y = LEGEND if legend else 4
    rows = []
    for label, values in figure.rows:
        bars = []
        for index, (_name, colour) in enumerate(series):
            value = values[index] or 0
            width = plot * value / largest
            top = y + index * (BAR + BAR_GAP)
            bars.append({"colour": colour, "value": values[index], "x": coordinate(LABEL_WIDTH), "y": coordinate(top),
                         "width": coordinate(width), "height": BAR, "text_x": coordinate(LABEL_WIDTH + width + 4),
                         "text_y": coordinate(top + BAR - 3)})
        shown = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"  # whole in the table
        rows.append({"label": shown, "label_y": coordinate(y + group / 2 + 4), "bars": bars})
        y += group + ROW_GAP
    return {"width": WIDTH, "height": coordinate(max(y, 40)), "label_x": coordinate(LABEL_WIDTH - 8),
            "axis_x": coordinate(LABEL_WIDTH), "rows": rows, "legend": legend}
