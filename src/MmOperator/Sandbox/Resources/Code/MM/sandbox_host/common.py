"""What mmctl, the advisor scripts and the bot stand-in share in the MmOperator sandbox.

Standard library only. The behaviour is the recorded host's (tests/fixtures/conformance/rules.md):
how its tools read .env files, compare numbers, spot protected keys and append JSONL rows. The
sandbox's own test hooks (invocation log, fault injection) live here too, outside the host's files.
"""
import fcntl
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

# The sandbox root holds bin/ and Code/; this file is <root>/Code/MM/sandbox_host/common.py.
SANDBOX_ROOT = Path(__file__).resolve().parents[3]
PROTECTED_KEYS = {"MM_API_KEY", "MM_STARK_PRIVATE_KEY", "MM_STARK_PUBLIC_KEY", "MM_VAULT_ID", "MM_BUILDER_ID"}
SECRET_MARKERS = ("PRIVATE_KEY", "_SECRET", "PASSPHRASE", "MNEMONIC", "_API_KEY")
KEY_PATTERN = re.compile(r"^[A-Z_][A-Z0-9_]*$")
INLINE_COMMENT = re.compile(r"\s+#")


# ---------------------------------------------------------------- test hooks (not part of the host)

def log_invocation(tool, argv):
    """Append one line per run to <sandbox root>/sandbox/invocations.jsonl, before anything else happens:
    its argv, the whole environment it was given and its soft resource limits (-1 is unlimited), so tests
    prove what reached it and what did not. It lives beside bin/ and Code/, outside the repo: the real
    tools create nothing of the kind there."""
    path = SANDBOX_ROOT / "sandbox" / "invocations.jsonl"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        limits = {name: resource.getrlimit(getattr(resource, "RLIMIT_" + name.upper()))[0]
                  for name in ("fsize", "cpu", "nofile", "nproc", "stack", "core")}
        line = json.dumps({"ts": time.time(), "tool": tool, "argv": list(argv), "pid": os.getpid(), "env": dict(os.environ),
                           "limits": limits})
        with open(path, "a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(line + "\n")
    except OSError:
        pass  # a sandbox without its hook folder still runs


class Fault:
    """MM_SANDBOX_FAULT=hang[:S] | garbage | error-json | leak | exit:N | json-exit:N | slow-stop:S | hold-stop:FILE | start-error
    | ignore-signals:INT[,TERM] | die-after:S | die-when:FILE, limited to the sub-commands named in MM_SANDBOX_FAULT_ON (comma list) when set.
    'leak' reports an error that quotes the shared .env's MM_API_KEY, to prove the module masks it;
    'hold-stop' makes a stop wait until FILE exists (a test's event, not a time), ten minutes at most;
    'start-error' makes mmctl's start (alone or inside restart) answer {"status": "error"};
    'ignore-signals' makes a bot started under it ignore those signals (the bot inherits the variables);
    'die-after' makes a bot started under it exit by itself S seconds after it started (a crash);
    'die-when' makes it crash once FILE exists (a test's or the demo's event, not a time)."""

    def __init__(self, command):
        spec = os.environ.get("MM_SANDBOX_FAULT", "")
        only = [c.strip() for c in os.environ.get("MM_SANDBOX_FAULT_ON", "").split(",") if c.strip()]
        active = bool(spec) and (not only or command in only)
        name, _, arg = spec.partition(":") if active else ("", "", "")
        self.name, self.arg = name, arg

    def before_work(self, error_payload, repo):
        """Faults that replace the command's work entirely."""
        if self.name == "hang":
            time.sleep(float(self.arg or 3600))
        elif self.name == "garbage":
            print("Traceback (most recent call last): <sandbox garbage, not JSON>")
            sys.exit(0)
        elif self.name == "error-json":
            print(json.dumps(error_payload))
            sys.exit(0)
        elif self.name == "leak":
            key = read_env(Path(repo) / ".env").get("MM_API_KEY", "")
            print(json.dumps({"status": "error", "error": "auth failed for MM_API_KEY=%s (key %s)" % (key, key)}))
            print("stderr also quotes %s" % key, file=sys.stderr)
            sys.exit(0)
        elif self.name == "exit":
            print("error: injected fault (exit %s)" % self.arg, file=sys.stderr)
            sys.exit(int(self.arg or 1))

    def before_stop_signal(self):
        """A slow host's stop: a fixed delay (slow-stop), or held until a test says (hold-stop)."""
        if self.name == "slow-stop":
            time.sleep(float(self.arg or 5))
        elif self.name == "hold-stop":
            deadline = time.monotonic() + 600  # a backstop only: the test creates the file
            while not os.path.exists(self.arg) and time.monotonic() < deadline:
                time.sleep(0.05)

    def lifetime(self):
        return float(self.arg) if self.name == "die-after" else None

    def crash_file(self):
        return self.arg if self.name == "die-when" else None

    def ignored_signals(self):
        return [name.strip() for name in self.arg.split(",") if name.strip()] if self.name == "ignore-signals" else []

    def exit_code(self, normal):
        return int(self.arg or 1) if self.name == "json-exit" else normal


def emit(payload, code, fault, indent=None):
    print(json.dumps(payload, indent=indent))
    sys.stdout.flush()
    sys.exit(fault.exit_code(code))


# ---------------------------------------------------------------- values

def slug(text, empty):
    """Every run of characters other than A-Z, a-z, 0-9 becomes one '_', trimmed at both ends."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or empty


def to_decimal(value):
    """The host's lenient number reading: Decimal of the text, or None when it is not a number."""
    if value is None:
        return None
    from decimal import Decimal, InvalidOperation  # here: most commands read no number

    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def iso_utc(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def is_secret_like(key):
    upper = key.upper()
    return any(marker in upper for marker in SECRET_MARKERS)


# ---------------------------------------------------------------- .env files, as the host's tools read them

def read_env_lines(path):
    """Universal newlines, then every line break Python knows (str.splitlines); invalid UTF-8 raises."""
    return Path(path).read_text(encoding="utf-8").splitlines()


def parse_env(lines):
    """Blank, '#' and '='-less lines are skipped; the key is trimmed text before the first '='; the value
    ends at the first whitespace followed by '#' and is trimmed. Quotes are kept; the last copy wins."""
    values = {}
    for line in lines:
        if "=" not in line or line.strip()[:1] in ("", "#"):
            continue
        key, _, rest = line.partition("=")
        values[key.strip()] = INLINE_COMMENT.split(rest, maxsplit=1)[0].strip()
    return values


def read_env(path):
    return parse_env(read_env_lines(path))


# ---------------------------------------------------------------- JSONL streams

def read_jsonl(path):
    """The objects of a JSONL file, each line stripped of Python whitespace (no-break space, form feed, NEL...
    count); blank lines, lines that are not JSON and non-objects are skipped. Only a JSONDecodeError is
    skipped: a number past Python's 4300-digit limit raises a plain ValueError, which ends the run."""
    rows = []
    if not Path(path).exists():
        return rows
    with open(path, "r", encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict):
                rows.append(row)
    return rows


def append_jsonl(path, row):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")

