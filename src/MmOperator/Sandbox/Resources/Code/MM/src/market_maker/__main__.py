"""The sandbox's stand-in for the market-making bot, which mmctl starts as `python -m market_maker`.

Like the real bot it takes its settings from the environment mmctl gives it (the env file's values, ENV
naming the file) and ends on SIGINT or SIGTERM. It writes nothing, as the recorded bot left its log empty.
It checks its MM_ settings as the real settings model does (settings_model.json, the module's policy of
types, bounds and allowed values): on a value the model refuses it writes the validation error to its log
and dies about 0.3 s after start, after mmctl has already said "started", as the real bot does
(MM_ENVIRONMENT=staging is one). Without MM_MARKET_NAME it runs, as the real one does on its defaults.
It keeps running when its env file is deleted, as the real one does.

Sandbox-only: MM_SANDBOX_FAULT=ignore-signals:INT (or INT,TERM) makes it ignore those signals, so that
mmctl's "stopped" for a bot still running can be tried; MM_SANDBOX_FAULT=die-after:S makes it crash (exit 1)
S seconds after it started, so a start's verification can be timed (die-when:FILE: once FILE exists); and it ends by itself after MM_SANDBOX_BOT_MAX_S
seconds or once its own folder is gone (the sandbox was removed), so tests never leave it behind.
"""
import json
import os
import signal
import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sandbox_host import common  # the repo is mmctl's working directory, first on sys.path for -m

HOME = Path(__file__).resolve().parent
BOOLEANS = {"0", "off", "f", "false", "n", "no", "1", "on", "t", "true", "y", "yes"}
stopping = False


def refusal(text, rule):
    """Why the settings model refuses this value for a field with this rule, or None when it loads."""
    text = text.strip()
    kind = rule["type"]
    if kind == "bool":
        return None if text.lower() in BOOLEANS else "Input should be a valid boolean"
    if kind in ("int", "float"):
        try:
            number = Decimal(int(text)) if kind == "int" else Decimal(text)
        except (InvalidOperation, ValueError):
            return "Input should be a valid %s" % ("integer" if kind == "int" else "number")
        if not number.is_finite():
            return "Input should be a finite number"
        low, high = rule.get("min"), rule.get("max")
        if low is not None and (number < Decimal(str(low)) or (rule.get("minExclusive") and number == Decimal(str(low)))):
            return "Input should be greater than %s%s" % ("" if rule.get("minExclusive") else "or equal to ", low)
        if high is not None and (number > Decimal(str(high)) or (rule.get("maxExclusive") and number == Decimal(str(high)))):
            return "Input should be less than %s%s" % ("" if rule.get("maxExclusive") else "or equal to ", high)
        return None
    allowed = rule.get("allowed")
    value = text.lower() if rule.get("lowerCased") else text
    return None if not allowed or value in allowed else "Input should be " + " or ".join(repr(a) for a in allowed)


def settings_errors():
    model = json.loads((HOME / "settings_model.json").read_text())["settings"]
    return ["%s\n  %s [input_value=%r]" % (key[3:].lower(), why, os.environ[key])
            for key in sorted(model) if key in os.environ
            for why in [refusal(os.environ[key], model[key])] if why]


def on_signal(_signum, _frame):
    global stopping
    stopping = True


def main():
    fault = common.Fault("start")
    ignored = fault.ignored_signals()
    for name in ("INT", "TERM"):
        handler = signal.SIG_IGN if name in ignored else on_signal
        signal.signal(getattr(signal, "SIG" + name), handler)
    errors = settings_errors()
    if errors:
        time.sleep(0.3)
        print("%d validation error%s for MarketMakerSettings" % (len(errors), "" if len(errors) == 1 else "s"), file=sys.stderr)
        print("\n".join(errors), file=sys.stderr, flush=True)
        return 1
    started = time.monotonic()
    deadline = started + float(os.environ.get("MM_SANDBOX_BOT_MAX_S") or 3600)
    crash, crash_file = fault.lifetime(), fault.crash_file()
    while not stopping and time.monotonic() < deadline and HOME.is_dir():
        lived = time.monotonic() - started
        if (crash is not None and lived >= crash) or (crash_file and os.path.exists(crash_file)):
            print("sandbox fault: the bot crashed %.1f s after it started" % (crash if crash is not None else lived), file=sys.stderr, flush=True)
            return 1
        time.sleep(0.05 if crash is not None or crash_file else 0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
