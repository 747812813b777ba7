"""The CLI's argument parsing and error handling, without models or TensorFlow: fast enough for `make mutation`.

The commands themselves (predict, encode, restyle on real model folders) are tested in test_cli.py and
test_cli_runtime.py; here they are replaced by stand-ins where main() would reach them.
"""

from __future__ import annotations

import argparse
import fcntl
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import kakite
from kakite.core import entry
from kakite.core.errors import KakiteError, OutputError
from kakite.serve import cli

REPO = Path(__file__).resolve().parents[1]

# What each command's --help must say about each of its options, defaults filled in.
HELP = {
    "predict": ["CNN runtime directory (default: {cnn})", "candidates per image (default: 5)",
                "image files or directories (recursive)"],
    "encode": ["VAE runtime directory (default: {vae})", "output .npz (files, z_content, z_style)",
               "image files or directories (recursive)"],
    "restyle": ["VAE runtime directory (default: {vae})", "an image of one handwritten digit",
                "digits to draw (default: 0123456789)", "output PNG sheet"],
}
COMMAND_HELP = ["recognise hiragana in images; one JSON line per file",
                "digit images -> z_content and z_style (posterior means) in an npz",
                "draw digits in the style of a sample digit"]


def parse(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(list(argv))


def usage_error(capsys, *argv: str) -> str:
    """stderr of a command line argparse refuses (exit status 2)."""
    with pytest.raises(SystemExit) as stop:
        cli.main(list(argv))
    assert stop.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    return captured.err


def run_main(capsys, *argv: str) -> tuple[int, str]:
    """(exit status, stderr) of main(argv) run to its end."""
    with pytest.raises(SystemExit) as stop:
        cli.main(list(argv))
    return stop.value.code, capsys.readouterr().err


# --- arguments -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("5", 5), ("12", 12)])
def test_top_takes_positive_integers(text, value):
    assert cli._positive(text) == value


@pytest.mark.parametrize("text", ["0", "-1", "x", "", "1.5"])
def test_top_refuses_anything_else_naming_the_option(text):
    with pytest.raises(argparse.ArgumentTypeError, match=f"^--top must be a positive integer, got {text!r}$"):
        cli._positive(text)


@pytest.mark.parametrize("text", ["0", "7", "0123456789", "990"])
def test_digits_takes_ascii_digits(text):
    assert cli._digits(text) == text


@pytest.mark.parametrize("text", ["", "a", "12a", " 1", "٣", "X"])
def test_digits_refuses_anything_else_naming_the_option(text):
    with pytest.raises(argparse.ArgumentTypeError, match=f"^--digits must be digits 0-9, got {text!r}$"):
        cli._digits(text)


def test_defaults_of_each_command():
    cnn, vae = str(cli.RUNTIME_MODELS / "cnn"), str(cli.RUNTIME_MODELS / "vae")

    p = parse("predict", "a.png", "dir")
    e = parse("encode", "--out", "z.npz", "a.png")
    r = parse("restyle", "--style", "s.png", "--out", "o.png")

    assert vars(p) == {"command": "predict", "model": cnn, "top": 5, "paths": ["a.png", "dir"], "run": cli.predict}
    assert vars(e) == {"command": "encode", "model": vae, "out": "z.npz", "paths": ["a.png"], "run": cli.encode}
    assert vars(r) == {"command": "restyle", "model": vae, "style": "s.png", "digits": "0123456789",
                       "out": "o.png", "run": cli.restyle}


def test_options_are_parsed_by_their_types():
    assert parse("predict", "--model", "m", "--top", "2", "a.png").top == 2
    assert parse("restyle", "--model", "m", "--style", "s", "--digits", "42", "--out", "o").digits == "42"


def test_runtime_models_are_found_next_to_the_package():
    checkout = Path(cli.__file__).resolve().parents[2]
    assert checkout / "data" / "models" / "runtime" == cli.RUNTIME_MODELS


@pytest.mark.parametrize(("argv", "complaint"), [
    ([], "the following arguments are required: command"),
    (["predict"], "the following arguments are required: PATH"),
    (["encode", "a.png"], "the following arguments are required: --out"),
    (["encode", "--out", "z.npz"], "the following arguments are required: PATH"),
    (["restyle", "--out", "o.png"], "the following arguments are required: --style"),
    (["restyle", "--style", "s.png"], "the following arguments are required: --out"),
    (["predict", "--top", "0", "a.png"], "--top must be a positive integer, got '0'"),
    (["restyle", "--style", "s", "--digits", "1a", "--out", "o"], "--digits must be digits 0-9, got '1a'"),
    (["recognise", "a.png"], "invalid choice: 'recognise'"),
])
def test_bad_command_lines_are_usage_errors(capsys, argv, complaint):
    err = usage_error(capsys, *argv)
    assert err.startswith("usage: kakite") and complaint in err, err


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out == f"kakite {kakite.__version__}\n"


def help_texts(out: str) -> set[str]:
    """The last column of each help line (COLUMNS is wide enough that nothing wraps)."""
    return {re.split(r"\s{2,}", line.strip())[-1] for line in out.splitlines()}


def test_help_describes_every_command_and_option(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")
    cli.build_parser().print_help()
    top = capsys.readouterr().out
    assert {"書き手: what was written, and who wrote it.", *COMMAND_HELP} <= help_texts(top), top
    defaults = {"cnn": cli.RUNTIME_MODELS / "cnn", "vae": cli.RUNTIME_MODELS / "vae"}
    for command, texts in HELP.items():
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        out = capsys.readouterr().out
        assert {text.format(**defaults) for text in texts} <= help_texts(out), out
        assert ("PATH [PATH ...]" in out) == (command != "restyle"), out


# --- what main() does with a command's result ---------------------------------------------------------------


@pytest.fixture
def stand_in(monkeypatch) -> list[argparse.Namespace]:
    """Replaces predict with a stand-in doing what args.top says (0: fail, 1: return 3, 2: raise); returns
    the arguments it was called with."""
    calls = []

    def predict(args: argparse.Namespace) -> int | None:
        calls.append(args)
        if args.top == 1:
            return cli.EXIT_SOME_FAILED
        if args.top == 2:
            raise KakiteError("no model in m")
        return None

    monkeypatch.setattr(cli, "predict", predict)
    return calls


def test_main_runs_the_command_with_its_arguments(capsys, stand_in):
    code, err = run_main(capsys, "predict", "--top", "3", "a.png")
    assert (code, err) == (0, "")
    assert [vars(a)["paths"] for a in stand_in] == [["a.png"]] and stand_in[0].top == 3


def test_main_exits_with_the_command_status(capsys, stand_in):
    assert run_main(capsys, "predict", "--top", "1", "a.png") == (cli.EXIT_SOME_FAILED, "")


def test_a_known_error_is_one_line_named_after_the_program(capsys, stand_in):
    assert run_main(capsys, "predict", "--top", "2", "a.png") == (1, "kakite: error: no model in m\n")


# --- entry.run: the boundary every command and stage goes through -------------------------------------------


def exit_of(capsys, main, prog: str = "prog", writes=()) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stop:
        entry.run(main, prog, writes)
    return stop.value.code, capsys.readouterr().err


def raiser(exc: BaseException):
    def main() -> None:
        raise exc
    return main


def test_entry_exit_status_is_what_main_returns_or_zero(capsys):
    assert exit_of(capsys, lambda: None) == (0, "")
    assert exit_of(capsys, lambda: 3) == (3, "")


@pytest.mark.parametrize("error", [KakiteError("bad input x.png"), OutputError("cannot write out/")])
def test_entry_known_errors_exit_with_their_code(capsys, error):
    assert exit_of(capsys, raiser(error)) == (error.exit_code, f"prog: error: {error}\n")


INTERRUPTED = """
import sys
from kakite.core.entry import run
def main():
    print("half the output", end="")  # still buffered: a pipe is block-buffered
    try:
        raise KeyboardInterrupt
    finally:
        open(sys.argv[1], "w").write("cleaned up")
run(main, "prog")
"""


def test_entry_interrupt_exits_130_quietly_after_cleaning_up(tmp_path):
    marker = tmp_path / "finally"
    proc = subprocess.run([sys.executable, "-c", INTERRUPTED, str(marker)], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (130, "half the output", "prog: interrupted\n")
    assert marker.read_text() == "cleaned up"


def test_entry_unknown_errors_are_not_swallowed(capsys):
    with pytest.raises(ZeroDivisionError):
        entry.run(lambda: 1 // 0, "prog")


def test_entry_checks_the_output_folders_before_main_runs(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    ran = []

    code, err = exit_of(capsys, lambda: ran.append(1), writes=[tmp_path / "ok", blocker / "out"])

    assert ran == [] and code == OutputError.exit_code
    assert err.startswith("prog: error: ") and str(blocker) in err and len(err.splitlines()) == 1, err


def test_entry_broken_pipe_points_stdout_at_devnull(capsys, monkeypatch):
    class Stdout:
        def fileno(self) -> int:
            return 99

    duped = []
    monkeypatch.setattr(sys, "stdout", Stdout())
    monkeypatch.setattr(entry.os, "dup2", lambda fd, to: duped.append((fd, to)))

    code, err = exit_of(capsys, raiser(BrokenPipeError()))

    assert (code, err) == (entry.EXIT_BROKEN_PIPE, "")
    [(fd, to)] = duped
    try:
        assert to == 99 and os.readlink(f"/proc/self/fd/{fd}") == os.devnull
        assert fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY
    finally:
        os.close(fd)


# --- the pieces the commands share ------------------------------------------------------------------------


def test_problems_are_counted_and_reported_one_line_each(capsys):
    problems = cli.Problems()
    assert problems.count == 0
    problems.report("a.png: unreadable")
    problems.report("b.png: unreadable")
    assert problems.count == 2 and capsys.readouterr().err == "kakite: a.png: unreadable\nkakite: b.png: unreadable\n"


def test_images_lists_files_as_given_and_images_under_folders(tmp_path):
    (tmp_path / "d" / "e").mkdir(parents=True)
    for name in ("d/e/b.png", "d/a.jpg", "d/notes.txt"):
        (tmp_path / name).write_bytes(b"")
    problems = cli.Problems()

    files = cli._images([str(tmp_path / "x.gif"), str(tmp_path / "d")], problems)

    assert files == [tmp_path / "x.gif", tmp_path / "d/a.jpg", tmp_path / "d/e/b.png"] and problems.count == 0


def test_no_images_is_an_error_naming_every_path_and_walking_problems_are_reported(capsys, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "loop").symlink_to(tmp_path / "b")
    problems = cli.Problems()

    with pytest.raises(KakiteError, match=f"^no image files in {tmp_path / 'a'}, {tmp_path / 'b'}$"):
        cli._images([str(tmp_path / "a"), str(tmp_path / "b")], problems)

    assert problems.count == 1 and capsys.readouterr().err.startswith("kakite: "), problems.count


def test_emit_writes_utf8_json_lines_in_order_after_what_was_printed_before(monkeypatch):
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # buffered, like a pipe
    monkeypatch.setattr(sys, "stdout", out)
    print("first")

    cli._emit([{"file": Path("dir/あ.png"), "name": "b\udcff.png", "top": [{"label": "あ", "p": 0.5}], "n": 2},
               {"file": "z.png", "top": []}])

    first, line, second, end = out.buffer.getvalue().split(b"\n")  # flushed by _emit itself
    assert first == b"first" and end == b""
    assert line.decode("utf-8").count("あ") == 2  # not \u escapes
    assert json.loads(line) == {"file": "dir/あ.png", "name": "b\\xff.png", "top": [{"label": "あ", "p": 0.5}], "n": 2}
    assert json.loads(second) == {"file": "z.png", "top": []}
