"""The HTML report as a person sees it: a headless Chromium screenshot shows every phase bar (issue 12).

Chromium comes from Debian's packages (.ci/run installs it); elsewhere the test is skipped with the
reason. The picture is read back with a small PNG decoder: the timeline must show the green bars of
the phases that passed and the red bar of the phase that failed.
"""

import json
import shutil
import struct
import subprocess
import zlib

import pytest

from ansible_collections.pilotlight.dr.plugins.plugin_utils.report_html import LABEL_WIDTH

from tests.integration.playbooks.test_report_upload import run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
GREEN, RED = (0x2E, 0x7D, 0x32), (0xC6, 0x28, 0x28)
CHART_LEFT = 32 + LABEL_WIDTH  # the page margin plus the label column of report_html


def png_pixels(data):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _dummy, _dummy, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    step = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(b"".join(chunks)), width * step, [], bytearray(width * step)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                best = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner))
                line[i] = (line[i] + best[2]) & 0xFF
        rows.append([tuple(line[x : x + 3]) for x in range(0, stride, step)])
        previous = line
    return width, height, rows


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (Debian package chromium; .ci/run installs it)")
def test_the_timeline_shows_every_phase_in_a_browser(tmp_path, emulator):
    run(tmp_path, emulator.endpoint)
    page = next((tmp_path / "reports").glob("*.html"))
    picture = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1000,1400",
            f"--screenshot={picture}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    width, height, rows = png_pixels(picture.read_bytes())
    assert (width, height) == (1000, 1400)
    # Only the chart area (right of the phase names): the result text above is coloured too.
    chart = [row[CHART_LEFT:] for row in rows]
    green_rows = {y for y, row in enumerate(chart) if row.count(GREEN) >= 3}
    red_rows = {y for y, row in enumerate(chart) if row.count(RED) >= 3}
    report = json.loads(next((tmp_path / "reports").glob("*.json")).read_text())
    statuses = [phase["status"] for data in report["applications"].values() for phase in data["phases"]]

    def bars(rows_with_colour):  # runs of rows = bars
        return sum(1 for y in sorted(rows_with_colour) if y - 1 not in rows_with_colour)

    # app1: three phases passed; app2: one passed, then "promote data" failed (red).
    assert bars(green_rows) == statuses.count("ok") == 4
    assert bars(red_rows) == statuses.count("failed") == 1
