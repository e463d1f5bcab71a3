"""Runs a command in a pseudo-terminal of its own, as at a person's console.

usage: terminal.py TRANSCRIPT [--answer SHOWN KEYS]... -- COMMAND [ARGUMENT]...

What the terminal shows is appended to TRANSCRIPT as it comes. Each --answer waits until the terminal
has shown SHOWN (after the previous answer), then types KEYS and Enter: a person answering the prompt
they read, so the command's input is a terminal, never a pipe. A line "ctrl-c" on this process's own
input presses Ctrl+C (the terminal's SIGINT to its foreground process group), and a line "keys KEYS"
types KEYS and Enter: a person who answers once something happened elsewhere. Exits with the
command's exit code. Used by the demo and the tests (python3 is there anyway: the sandbox needs it).
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios

ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\r")
CURSOR_QUERY = b"\x1b[6n"


def main(argv):
    transcript, rest = argv[0], argv[1:]
    answers = []
    while rest[0] == "--answer":
        answers.append((rest[1].encode(), rest[2].encode() + b"\r"))
        rest = rest[3:]
    command = rest[1:]  # after "--"

    pid, terminal = pty.fork()
    if pid == 0:
        # Started in the background (sh's &), this process ignores SIGINT, and an ignored signal stays
        # ignored across exec: the command would never see the Ctrl+C. A person's terminal delivers it.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execvp(command[0], command)
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 400, 0, 0))  # wide: no line is wrapped
    keys = sys.stdin.fileno()
    shown, seen_up_to, positions_told = b"", 0, 0
    with open(transcript, "ab", buffering=0) as out:
        while True:
            ready = select.select([terminal] + ([keys] if keys is not None else []), [], [])[0]
            if keys in ready:
                line = os.read(keys, 64)
                if not line:
                    keys = None
                elif line.startswith(b"keys "):
                    os.write(terminal, line[5:].rstrip(b"\n") + b"\r")
                elif b"ctrl-c" in line:
                    os.write(terminal, b"\x03")
            if terminal in ready:
                try:
                    data = os.read(terminal, 65536)
                except OSError:  # EIO: the terminal's last process is gone
                    break
                if not data:
                    break
                out.write(data)
                shown += data
                # pwsh asks where the cursor is (ESC [6n) and waits for the answer, as a terminal gives it.
                asked = shown.count(CURSOR_QUERY)
                os.write(terminal, b"\x1b[1;1R" * (asked - positions_told))
                positions_told = asked
                plain = ESCAPES.sub(b"", shown)
                if answers and answers[0][0] in plain[seen_up_to:]:
                    os.write(terminal, answers.pop(0)[1])
                    seen_up_to = len(plain)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
