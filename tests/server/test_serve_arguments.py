"""``pix2lut serve`` given a bad ``--bind`` or a hostile manifest (issue 24): one clear line, never a traceback.

Bad arguments are usage errors (argparse's usage, then one error line; exit 2) caught before anything binds: libzmq
would bind ``tcp://127.0.0.1:70000`` as port 4464. A manifest that cannot be read is exit 1 with one line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pix2lut.cli import EXIT_FAILURE, EXIT_USAGE
from server.errors import ServerError
from server.loop import ServerConfig
from server.manifest import MANIFEST_NAME
from tests.server.conftest import free_port

COMMAND_TIMEOUT_S = 30  # an argument error returns in the time it takes to import; a served port never would
NESTING = 10_000_000  # issue 24's manifest: ten million '['

BAD_BINDS = {
    "tcp://[127.0.0.1]:5555": "endpoint 'tcp://[127.0.0.1]:5555': brackets hold an IPv6 address, as in "
                              "tcp://[::1]:5555; found '[127.0.0.1]'",
    "tcp://[:5555": "endpoint 'tcp://[:5555': brackets hold an IPv6 address, as in tcp://[::1]:5555; found '['",
    "tcp://127.0.0.1:70000": "endpoint 'tcp://127.0.0.1:70000': port 70000 is outside 1-65535",
    "tcp://127.0.0.1:0": "endpoint 'tcp://127.0.0.1:0': port 0 is outside 1-65535",
    "tcp://127.0.0.1:http": "endpoint 'tcp://127.0.0.1:http': the port must be a number from 1 to 65535 or '*', "
                            "found 'http'",
    "tcp://::1:5555": "endpoint 'tcp://::1:5555': an IPv6 address goes in brackets, as in tcp://[::1]:5555",
    "127.0.0.1:5555": "endpoint '127.0.0.1:5555' is not tcp://HOST:PORT, ipc://PATH or inproc://NAME",
}
CLI_BINDS = ["tcp://[127.0.0.1]:5555", "tcp://[:5555", "tcp://127.0.0.1:70000"]  # the ones issue 24 ran


def serve(*argv: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pix2lut.cli", "serve", *map(str, argv)],
                          capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False)


@pytest.mark.parametrize("bind", CLI_BINDS)
def test_a_bad_bind_is_a_usage_error_with_one_error_line(bind, models_dir):
    result = serve("--bind", bind, "--models", models_dir)

    assert result.returncode == EXIT_USAGE
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("usage: pix2lut serve ")
    assert result.stderr.splitlines()[-1] == f"pix2lut serve: error: argument --bind: {BAD_BINDS[bind]}"
    assert "serving on" not in result.stderr


@pytest.mark.parametrize("bind", list(BAD_BINDS))
def test_a_bad_bind_is_refused_by_the_server_config(bind):
    with pytest.raises(ServerError) as raised:
        ServerConfig(bind=bind)
    assert str(raised.value) == BAD_BINDS[bind]


@pytest.mark.parametrize("bind", ["tcp://127.0.0.1:1", "tcp://127.0.0.1:65535", "tcp://[::1]:5555", "tcp://*:*",
                                  "tcp://localhost:5555", "ipc:///tmp/pix2lut.sock", "inproc://pix2lut"])
def test_good_binds_are_accepted(bind):
    assert ServerConfig(bind=bind).bind == bind


@pytest.mark.parametrize("workers", [1, 2])
def test_a_manifest_nested_ten_million_deep_is_one_line_and_exit_1(tmp_path, workers):
    manifest = tmp_path / MANIFEST_NAME
    manifest.write_text("[" * NESTING, encoding="utf-8")

    result = serve("--bind", f"tcp://127.0.0.1:{free_port()}", "--models", tmp_path, "--workers", str(workers))

    assert result.returncode == EXIT_FAILURE
    assert result.stderr == f"pix2lut serve: {manifest}: not valid JSON: lists or objects nested too deeply to read\n"
