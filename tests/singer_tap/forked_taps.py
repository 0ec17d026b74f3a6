"""The test tap as a command that starts in 0.03 s of CPU instead of 0.5 (importing singer-sdk):
`python forked_taps.py serve SOCKET` imports the tap once and forks a tap process for each
connection; `python forked_taps.py ARGS…`, the command the singer source runs, hands the server
its arguments, folder, environment and standard streams, and exits with the forked tap's exit
code. The source still runs a child process and reads its stdout; the tap that writes to it is
tap_feedback.py, run by singer-sdk's own command line in a process of its own."""

from __future__ import annotations

import array
import json
import os
import socket
import sys
import traceback

SOCKET = "FORKED_TAPS_SOCKET"
"""The environment variable naming the server's socket."""


def serve(path: str) -> None:
    from tap_feedback import TapFeedback  # beside this file: the script's folder is on sys.path

    parent = os.getppid()
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen()
        server.settimeout(1)
        while True:
            try:
                connection, _ = server.accept()
            except TimeoutError:
                if os.getppid() != parent:  # the tests that started it are gone
                    return
                continue
            with connection:
                request, streams, _, _ = socket.recv_fds(connection, 1 << 16, 3)
                while part := connection.recv(1 << 16):
                    request += part
                pid = os.fork()
                if pid == 0:
                    _run_tap(TapFeedback, json.loads(request), streams)
                for stream in streams:
                    os.close(stream)
                _, status = os.waitpid(pid, 0)
                connection.sendall(str(os.waitstatus_to_exitcode(status)).encode())


def _run_tap(tap, request: dict, streams: list[int]) -> None:
    """In the forked process: the tap's command line with the client's arguments, folder,
    environment and standard streams, ended as Python ends a script; never returns."""
    code = 1
    try:
        for number, stream in enumerate(streams):
            os.dup2(stream, number)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["tap-feedback", *request["args"]]
        tap.cli()
        code = 0
    except SystemExit as exit:
        if exit.code is None or isinstance(exit.code, int):
            code = exit.code or 0
        else:
            print(exit.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush(), sys.stderr.flush()
        finally:
            os._exit(code)


def run(args: list[str]) -> int:
    """This process's request to the server: the forked tap's exit code."""
    request = json.dumps({"args": args, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    with socket.socket(socket.AF_UNIX) as client:
        client.connect(os.environ[SOCKET])
        client.sendmsg([request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [0, 1, 2]))])
        client.shutdown(socket.SHUT_WR)
        return int(client.recv(64) or b"1")


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2])
    else:
        sys.exit(run(sys.argv[1:]))
