"""The sandbox's stand-in for a market-making bot instance.

Runs detached until SIGINT (graceful) or SIGTERM. Like the real bot it can die a
moment after mmctl reported "started": here when its env file names no market.
It also ends by itself when its env file disappears (a removed sandbox) or after
MM_SANDBOX_BOT_MAX_S seconds, so tests never leave it behind.
"""
import argparse
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sandbox_host import common  # noqa: E402

stopping = False


def on_signal(signum, _frame):
    global stopping
    stopping = True
    print("received %s, shutting down" % signal.Signals(signum).name, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--env", required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    market = common.read_env(args.env).get("MM_MARKET_NAME")
    print("bot pid %d env %s market %s" % (os.getpid(), args.env, market), flush=True)
    if not market:
        # Dies shortly after mmctl reported "started" (well inside the module's 1 s settle time).
        time.sleep(0.3)
        print("fatal: MM_MARKET_NAME is not set", flush=True)
        return 1
    deadline = time.monotonic() + float(os.environ.get("MM_SANDBOX_BOT_MAX_S", "3600"))
    while not stopping and time.monotonic() < deadline and os.path.exists(args.env):
        time.sleep(0.2)
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
