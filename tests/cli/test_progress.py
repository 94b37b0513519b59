"""The progress bar: drawn on a terminal for work longer than half a second, never off one, off on request."""

from __future__ import annotations

import io
import subprocess
import sys
import time

from extremal.cli._progress import progress_bar
from extremal.cli.main import main


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_that_counts_rows():
    screen = _Terminal()
    with progress_bar("geodesics", stream=screen) as update:
        assert update is not None
        update(100, 400)
        time.sleep(0.6)
        update(300, 400)
    text = screen.getvalue()
    assert "300/400" in text and "geodesics" in text


def test_no_bar_off_a_terminal_when_switched_off_or_for_quick_work():
    with progress_bar("rows", stream=io.StringIO()) as update:
        assert update is None
    with progress_bar("rows", enabled=False, stream=_Terminal()) as update:
        assert update is None
    screen = _Terminal()
    with progress_bar("rows", stream=screen) as update:
        update(10, 10)
    assert "10/10" not in screen.getvalue()


def test_the_cli_prints_no_bar_into_a_pipe(tmp_path):
    command = [sys.executable, "-m", "extremal", "geodesic", "dth**2 + sin(th)**2*dph**2", "--coords", "th ph",
               "--x0", "1,0", "--v0", "0,1", "--out", str(tmp_path / "g.npz")]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    assert done.stderr == ""
    assert "1 geodesic(s)" in done.stdout


def test_no_progress_is_accepted(tmp_path, capsys):
    code = main(["trajectory", "xdot**2/2 - x**2/2", "--coords", "x", "--q0", "1", "--v0", "0", "--no-progress",
                 "--out", str(tmp_path / "t.csv")])
    assert code == 0
    assert "1 trajectory" in capsys.readouterr().out
