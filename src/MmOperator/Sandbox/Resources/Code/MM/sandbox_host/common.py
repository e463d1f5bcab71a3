"""What mmctl, the advisor scripts and the bot share in the MmOperator sandbox.

Standard library only. Behaviour follows the observed host contract: the .env
reader and writer, the market-to-env-file mapping, the protection rules, plus the
sandbox's own test hooks (invocation log, fault injection).
"""
import fcntl
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

PROTECTED_KEYS = {"MM_API_KEY", "MM_STARK_PRIVATE_KEY", "MM_STARK_PUBLIC_KEY", "MM_VAULT_ID", "MM_BUILDER_ID"}
SECRET_MARKERS = ("PRIVATE_KEY", "_SECRET", "PASSPHRASE", "MNEMONIC", "_API_KEY")
KEY_PATTERN = re.compile(r"^[A-Z_][A-Z0-9_]*$")
INLINE_COMMENT = re.compile(r"\s#")


# ---------------------------------------------------------------- test hooks

def log_invocation(repo, tool, argv):
    """Append one line per run to <repo>/data/sandbox/invocations.jsonl, before anything else happens."""
    path = Path(repo) / "data" / "sandbox" / "invocations.jsonl"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"ts": time.time(), "tool": tool, "argv": list(argv), "pid": os.getpid()})
        with open(path, "a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(line + "\n")
    except OSError:
        pass  # a missing repo is reported by the tool itself


class Fault:
    """MM_SANDBOX_FAULT=hang[:S] | garbage | error-json | leak | exit:N | json-exit:N | slow-stop:S | start-error,
    limited to the sub-commands named in MM_SANDBOX_FAULT_ON (comma list) when that is set.
    'leak' reports an error that quotes the shared .env's MM_API_KEY, to prove the module masks it;
    'start-error' makes mmctl's start (alone or inside restart) answer {"status": "error"}."""

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

    def stop_delay(self):
        return float(self.arg or 5) if self.name == "slow-stop" else 0.0

    def exit_code(self, normal):
        return int(self.arg or 1) if self.name == "json-exit" else normal


def emit(payload, code, fault, indent=None):
    print(json.dumps(payload, indent=indent))
    sys.stdout.flush()
    sys.exit(fault.exit_code(code))


# ---------------------------------------------------------------- markets

def env_path_for_market(repo, market):
    """mmctl's mapping: paths pass through; otherwise lower, drop -usd, '-' -> '_', prefix .env."""
    text = market.strip()
    if text.startswith(".env") or text.startswith("/") or "/" in text:
        path = Path(text)
        return path if path.is_absolute() else Path(repo) / path
    slug = text.lower()
    if slug.endswith("-usd"):
        slug = slug[:-4]
    return Path(repo) / (".env." + slug.replace("-", "_"))


def controller_id(env_path):
    return re.sub(r"[^A-Za-z0-9]+", "_", Path(env_path).name).strip("_")


# ---------------------------------------------------------------- protection

def protected_keys(repo):
    keys = set(PROTECTED_KEYS)
    try:
        keys.update(json.loads((Path(repo) / "mm_config" / "policy" / "protected_keys.json").read_text()))
    except (OSError, ValueError):
        pass
    return keys


def is_protected(repo, key):
    return key in protected_keys(repo) or any(marker in key for marker in SECRET_MARKERS)


def load_policy(repo, name, default):
    try:
        return json.loads((Path(repo) / "mm_config" / "policy" / name).read_text())
    except (OSError, ValueError):
        return default


# ---------------------------------------------------------------- .env files

def split_line(line):
    """(key, value, value_start, value_end) of one line as the host reads it, or None."""
    body = line.rstrip("\r\n")
    stripped = body.strip()
    if not stripped or stripped.startswith("#") or "=" not in stripped:
        return None
    eq = body.index("=")
    rest = body[eq + 1:]
    comment = INLINE_COMMENT.search(rest)
    raw = rest[:comment.start()] if comment else rest
    lead = len(raw) - len(raw.lstrip())
    value = raw.strip()
    start = eq + 1 + lead
    return body[:eq].strip(), value, start, start + len(value)


def read_env(path):
    values = {}
    with open(path, "r", encoding="utf-8", newline="") as handle:
        for line in handle:
            parts = split_line(line)
            if parts:
                values[parts[0]] = parts[1]
    return values


def sha256_file(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class EnvLock:
    """flock on <file>.lock: the lock every writer of a .env file takes."""

    def __init__(self, path):
        self.path = str(path) + ".lock"

    def __enter__(self):
        self.handle = open(self.path, "a")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def write_env_value(path, key, value):
    """Set key (every copy), keeping inline comments and every other byte; append when absent.
    Call with EnvLock held. Atomic: temp file in the same folder, fsync, rename."""
    path = Path(path)
    with open(path, "r", encoding="utf-8", newline="") as handle:
        data = handle.read()
    lines = data.splitlines(keepends=True)
    found = False
    for index, line in enumerate(lines):
        parts = split_line(line)
        if parts and parts[0] == key:
            body = line.rstrip("\r\n")
            ending = line[len(body):]
            lines[index] = body[:parts[2]] + value + body[parts[3]:] + ending
            found = True
    if not found:
        newline = "\r\n" if data.endswith("\r\n") else "\n"
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        lines.append("%s=%s%s" % (key, value, newline))
    mode = path.stat().st_mode & 0o7777
    handle, temp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write("".join(lines))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def append_jsonl(path, rows):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        for row in rows:
            handle.write(json.dumps(row) + "\n")
        handle.flush()


def read_jsonl(path):
    rows = []
    try:
        with open(path, "r", encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if line:
                    try:
                        rows.append(json.loads(line))
                    except ValueError:
                        continue
    except FileNotFoundError:
        pass
    return rows
