"""mm_advisor_submit.py, as the MmOperator sandbox stands it in: proposal intake.

Reproduces the recorded host (tests/fixtures/conformance/rules.md, S1-S9): each row is checked in the
host's order with its messages, values are normalised by their bounds type, the env file is resolved as
the host does, ids are generated, and the batch is all or nothing. Every run creates proposals.jsonl.
"""
import sys

sys.dont_write_bytecode = True  # the real tool leaves no __pycache__ in the repo; neither may we

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from decimal import Decimal, InvalidOperation  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sandbox_host import common  # noqa: E402

MARKET_PATTERN = re.compile(r"^[A-Z0-9_.-]+$")
INT_PATTERN = re.compile(r"[+-]?\d+")
NEVER_INDEXED = {".env.example", ".env.sample", ".env.template"}
CONFIDENCES = {"low", "medium", "high"}
TARGETS = {"human", "warren"}


class SubmissionError(RuntimeError):
    """A row (or the run) refused with the host's message; named as the host names it (its traceback shows it)."""


# ---------------------------------------------------------------- policy and values

def load_policy(repo):
    """(whitelist, bounds, protected) from mm_config/policy; a missing or malformed file stops the run with
    the host's traceback: the parser's error, or SubmissionError naming the file of the wrong shape."""
    folder = repo / "mm_config" / "policy"
    whitelist_path, bounds_path, protected_path = (folder / n for n in ("whitelist.json", "bounds.json", "protected_keys.json"))
    whitelist = json.loads(whitelist_path.read_text())
    bounds = json.loads(bounds_path.read_text())
    protected = json.loads(protected_path.read_text()) if protected_path.exists() else []
    for value, kind, name, path in ((whitelist, list, "whitelist", whitelist_path), (bounds, dict, "bounds", bounds_path),
                                    (protected, list, "protected", protected_path)):
        if not isinstance(value, kind):
            raise SubmissionError("invalid %s file: %s" % (name, path))
    return ({str(k).strip() for k in whitelist},
            {str(k).strip(): dict(rule) for k, rule in bounds.items() if isinstance(rule, dict)},
            common.PROTECTED_KEYS | {str(k).strip() for k in protected})


def check_range(param, value, rule, convert):
    """Bounds are printed as the policy's JSON numbers (0.0, 20); the bound itself is allowed. A NaN float is
    not caught: comparing it raises, as on the host, and the run ends with a traceback."""
    low, high = rule.get("min"), rule.get("max")
    if low is not None and value < convert(low):
        raise SubmissionError("%s below min bound (%s)" % (param, low))
    if high is not None and value > convert(high):
        raise SubmissionError("%s above max bound (%s)" % (param, high))


def normalised(param, raw, rule):
    """The proposed value as the host writes it, by the rule's type; messages quote the raw JSON value."""
    kind = str(rule.get("type") or "").strip().lower()
    text = str(raw).strip()
    if kind == "int":
        if not INT_PATTERN.fullmatch(text):
            raise SubmissionError("invalid int for %s: %r" % (param, raw))
        check_range(param, int(text), rule, int)
        return str(int(text))
    if kind == "float":
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise SubmissionError("invalid float for %s: %r" % (param, raw)) from None
        check_range(param, number, rule, lambda bound: Decimal(str(bound)))
        plain = format(number.normalize(), "f")  # exponents expanded: 1e1 -> 10, 1e-07 -> 0.0000001
        return plain.rstrip("0").rstrip(".") if "." in plain else plain
    if kind == "bool":
        if text.lower() in ("true", "1", "false", "0"):
            return "true" if text.lower() in ("true", "1") else "false"
        raise SubmissionError("invalid bool for %s: %r" % (param, text))
    if kind == "string":
        allowed = rule.get("allowed")
        if isinstance(allowed, list) and text not in {str(a) for a in allowed}:
            raise SubmissionError("%s not in allowed set" % param)
        return text
    raise SubmissionError("unsupported bounds type for %s: %r" % (param, kind))


# ---------------------------------------------------------------- env files

def env_index(repo):
    """Market symbol -> env file, over the repo's .env* files in name order: the first file naming a market
    wins, except that the bare .env gives way to a specific file. Candidates and samples are skipped."""
    index = {}
    for path in sorted(repo.glob(".env*")):
        if not path.is_file() or path.name.endswith(".candidate") or path.name in NEVER_INDEXED:
            continue
        try:
            market = str(common.read_env(path).get("MM_MARKET_NAME") or "").strip()
        except (OSError, ValueError):
            continue
        current = index.get(market)
        if market and (current is None or (current.name == ".env" and path.name != ".env")):
            index[market] = path
    return index


def resolve_env(repo, market, env_file):
    """An explicit env_file (relative to the repo) must exist and name this market or none; otherwise the
    index, then the guesses .env.<slug>, .env.<slug before the first _>, .env.<market before the first ->."""
    if env_file:
        path = Path(str(env_file)).expanduser()
        path = path if path.is_absolute() else (repo / path).resolve()
        if not path.exists():
            raise SubmissionError("env file not found: %s" % path)
        named = str(common.read_env(path).get("MM_MARKET_NAME") or "").strip()
        if named and named != market:
            raise SubmissionError("env file market mismatch: expected %s, got %s (%s)" % (market, named, path))
        return path
    path = env_index(repo).get(market)
    if path is not None:
        return path
    market_slug = common.slug(market, "unknown").lower()
    guesses = [market_slug] + ([market_slug.split("_", 1)[0]] if "_" in market_slug else [])
    for guess in guesses + [market.lower().split("-", 1)[0]]:
        candidate = (repo / (".env." + guess)).resolve()
        if candidate.exists():
            return candidate
    raise SubmissionError("could not resolve env file for market: %s" % market)


# ---------------------------------------------------------------- rows

class Intake:
    """Validates rows one by one, remembering the ids taken by the file and by earlier rows."""

    def __init__(self, repo, defaults, proposals_path):
        self.repo, self.defaults = repo, defaults
        self.whitelist, self.bounds, self.protected = load_policy(repo)  # before the ids, as on the host
        self.taken = {str(r.get("proposal_id") or "") for r in common.read_jsonl(proposals_path)}
        self.created = []

    def field(self, payload, name):
        return payload.get(name, self.defaults[name])

    def add(self, payload, line):
        market, param, proposed = (self.field(payload, k) for k in ("market", "param", "proposed"))
        if market is None or param is None or proposed is None:
            raise SubmissionError("missing market/param/proposed" + (" line=%d" % line if line is not None else ""))
        row = self.build(str(market), str(param), proposed, payload)
        self.taken.add(row["proposal_id"])
        self.created.append(row)

    def build(self, market, param, proposed, payload):
        """The checks in the host's order (the first failure wins), then the row with its keys in order."""
        market_text, param_text = market.strip(), param.strip()
        if not MARKET_PATTERN.fullmatch(market_text):
            raise SubmissionError("invalid market: %r" % market)
        if not common.KEY_PATTERN.fullmatch(param_text):
            raise SubmissionError("invalid param: %r" % param)
        if param_text not in self.whitelist:
            raise SubmissionError("param not whitelisted: %s" % param_text)
        if param_text in self.protected or common.is_secret_like(param_text):
            raise SubmissionError("param is protected: %s" % param_text)
        if param_text not in self.bounds:
            raise SubmissionError("missing bounds rule for param: %s" % param_text)
        value = normalised(param_text, proposed, self.bounds[param_text])
        env_path = resolve_env(self.repo, market_text, self.field(payload, "env_file"))
        old = common.read_env(env_path).get(param_text)
        proposal_id = self.proposal_id(market_text, param_text, self.field(payload, "proposal_id"))
        confidence = str(self.field(payload, "confidence"))  # a JSON null becomes 'None', which is refused
        target = str(self.field(payload, "escalation_target"))
        if (confidence or "medium").strip().lower() not in CONFIDENCES:
            raise SubmissionError("invalid confidence: %r" % confidence)
        if (target or "human").strip().lower() not in TARGETS:
            raise SubmissionError("invalid escalation_target: %r" % target)
        now = time.time()
        row = {"proposal_id": proposal_id, "ts": now, "created_at": common.iso_utc(now), "market": market_text,
               "env_path": str(env_path), "iteration": 0, "param": param_text, "old": old, "proposed": value,
               "new": value, "baseline_value": old, "reason_codes": ["manual_submit"],
               "confidence": (confidence or "medium").strip().lower(), "guardrail_status": "passed",
               "guardrail_reason": "ok", "proposal_only": True, "applied": False, "rejected": False,
               "deadman": bool(self.field(payload, "deadman")),  # Python truthiness: "false" is true
               "escalation_target": (target or "human").strip().lower(), "cooldown_until_ts": None,
               "source": str(self.field(payload, "source"))}
        note = str(self.field(payload, "reason") or "").strip()
        if note:
            row["reason_note"] = note
        return row

    def proposal_id(self, market, param, given):
        """A given id must be new; a generated one is <market slug>-<epoch>-manual-<param slug>, -2, -3... on a clash."""
        given = str(given or "").strip()
        if given:
            if given in self.taken:
                raise SubmissionError("proposal_id already exists: %s" % given)
            return given
        base = "%s-%d-manual-%s" % (common.slug(market, "unknown"), int(time.time()), common.slug(param, "unknown"))
        candidate, serial = base, 1
        while candidate in self.taken:
            serial += 1
            candidate = "%s-%d" % (base, serial)
        return candidate


def input_rows(path):
    """(line, payload, error) per non-blank line; line numbers count blank lines too."""
    for line, text in enumerate(path.read_text().splitlines(), start=1):
        if not text.strip():
            continue
        try:
            payload = json.loads(text.strip())
        except json.JSONDecodeError as exc:
            yield line, None, "invalid JSON at %s:%d: %s" % (path, line, exc)
            continue
        yield (line, payload, None) if isinstance(payload, dict) else (
            line, None, "invalid row at %s:%d: expected object" % (path, line))


# ---------------------------------------------------------------- command line

def main(argv):
    common.log_invocation("mm_advisor_submit.py", argv)
    parser = argparse.ArgumentParser(description="Create canonical advisor proposals safely.")
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parents[1]))
    for flag in ("--market", "--param", "--proposed", "--reason", "--env-file", "--proposal-id", "--input-jsonl"):
        parser.add_argument(flag, default=None)
    parser.add_argument("--confidence", default="medium", choices=sorted(CONFIDENCES))
    parser.add_argument("--escalation-target", default="human", choices=sorted(TARGETS))
    parser.add_argument("--deadman", action="store_true")
    parser.add_argument("--source", default="mm_analyst_submit")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    fault = common.Fault("submit")
    fault.before_work({"ok": False, "error": "injected fault (error-json)"}, args.repo)

    repo = Path(args.repo).resolve()
    # Resolved through symlinks: a dangling link's target (and its folder) is created.
    proposals_path = (repo / "data" / "mm_audit" / "advisor" / "proposals.jsonl").resolve()
    proposals_path.parent.mkdir(parents=True, exist_ok=True)
    if not proposals_path.exists():
        proposals_path.touch()
    # A row's missing fields fall back to the command line's values.
    defaults = {"market": args.market, "param": args.param, "proposed": args.proposed, "reason": args.reason,
                "confidence": args.confidence, "escalation_target": args.escalation_target, "deadman": args.deadman,
                "env_file": args.env_file, "proposal_id": args.proposal_id, "source": args.source}
    intake = Intake(repo, defaults, proposals_path)
    failures = []
    try:
        if args.input_jsonl is None:
            intake.add({}, None)
        else:
            path = Path(args.input_jsonl).expanduser()
            path = path if path.is_absolute() else (Path.cwd() / path).resolve()
            if not path.exists():
                raise SubmissionError("input file not found: %s" % path)
            for line, payload, error in input_rows(path):
                try:
                    if error:
                        raise SubmissionError(error)
                    intake.add(payload, line)
                except SubmissionError as exc:
                    failures.append({"line": line, "error": str(exc)})
    except SubmissionError as exc:
        common.emit({"ok": False, "error": str(exc)}, 1, fault)

    ok = bool(intake.created) and not failures
    written = intake.created if ok and not args.dry_run else []
    for row in written:
        common.append_jsonl(proposals_path, row)
    # created and proposal_ids count the rows that passed, written the rows that were appended.
    common.emit({"ok": ok, "created": len(intake.created), "written": len(written), "failed": len(failures),
                 "proposals_path": str(proposals_path), "proposal_ids": [r["proposal_id"] for r in intake.created],
                 "failures": failures}, 0 if ok else 1, fault)


if __name__ == "__main__":
    main(sys.argv[1:])
