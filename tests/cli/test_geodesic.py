"""The ``geodesic`` subcommand parses, integrates, plots and summarises."""

import argparse

import pytest

from extremal.cli.geodesic import add_parser
from extremal.errors import InputError

pytest.importorskip("matplotlib")


def parse(argv):
    parser = argparse.ArgumentParser(prog="extremal")
    add_parser(parser.add_subparsers())
    return parser.parse_args(argv)


def test_writes_png_and_summary(tmp_path, capsys):
    out = tmp_path / "g.png"
    args = parse(["geodesic", "dth**2 + sin(th)**2*dph**2", "--coords", "th ph", "--x0", "1.5707963267948966,0",
                  "--v0", "0,1", "--x0", "1,0", "--v0", "0.3,1", "--s", "0:1.5707963267948966", "--out", str(out)])
    assert args.func(args) == 0
    text = capsys.readouterr().out
    assert "2 geodesic(s)" in text and "SUCCESS" in text and "1.570796327" in text
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_bad_numbers_name_the_option(tmp_path):
    args = parse(["geodesic", "dx**2 + dy**2", "--coords", "x y", "--x0", "a,b", "--v0", "1,0",
                  "--out", str(tmp_path / "g.png")])
    with pytest.raises(InputError, match="--x0"):
        args.func(args)
