"""The sandbox's stand-in for the market-making bot, which mmctl starts as `python -m market_maker`.

Like the real bot it takes its settings from the environment mmctl gives it (the env file's values, ENV
naming the file) and ends on SIGINT or SIGTERM. It writes nothing, as the recorded bot left its log empty.
Without MM_MARKET_NAME it dies about 0.3 s after start, after mmctl has already said "started", as a
misconfigured real bot does. It keeps running when its env file is deleted, as the real one does.

Sandbox-only: MM_SANDBOX_FAULT=ignore-signals:INT (or INT,TERM) makes it ignore those signals, so that
mmctl's "stopped" for a bot still running can be tried; and it ends by itself after MM_SANDBOX_BOT_MAX_S
seconds or once its own folder is gone (the sandbox was removed), so tests never leave it behind.
"""
import os
import signal
import sys
import time
from pathlib import Path

from sandbox_host import common  # the repo is mmctl's working directory, first on sys.path for -m

HOME = Path(__file__).resolve().parent
stopping = False


def on_signal(_signum, _frame):
    global stopping
    stopping = True


def main():
    for name in ("INT", "TERM"):
        signal.signal(getattr(signal, "SIG" + name), on_signal)
    for name in common.Fault("start").ignored_signals():
        signal.signal(getattr(signal, "SIG" + name), signal.SIG_IGN)
    if not os.environ.get("MM_MARKET_NAME"):
        time.sleep(0.3)
        return 1
    deadline = time.monotonic() + float(os.environ.get("MM_SANDBOX_BOT_MAX_S") or 3600)
    while not stopping and time.monotonic() < deadline and HOME.is_dir():
        time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
