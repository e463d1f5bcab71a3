"""mm_advisor_apply.py, as the MmOperator sandbox stands it in: list and apply advisor proposals.

Reproduces the recorded host (tests/fixtures/conformance/rules.md, A1-A11): the pending rule, the
listing's newest-first order and 50-row cap, the per-proposal checks in their order, value equality,
receipts and changelog rows for every attempt, the env rewrite (LF, mode 0600, .lock left behind),
the 10 s lock timeout, and warren-auto's selection (newest per market and param, oldest first, 20).
"""
import sys

sys.dont_write_bytecode = True  # the real tool leaves no __pycache__ in the repo; neither may we

import argparse  # noqa: E402
import fcntl  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sandbox_host import common  # noqa: E402

LOCK_TIMEOUT_S = 10.0
LOCK_POLL_S = 0.05
LISTED_FIELDS = ("proposal_id", "market", "param", "old", "proposed", "deadman", "confidence",
                 "escalation_target", "guardrail_status", "ts")
DONE_RESULTS = ("applied", "failed")


class Outcome(Exception):
    """Ends one proposal's attempt with a result other than applied."""

    def __init__(self, result, reason):
        super().__init__(reason)
        self.result, self.reason = result, reason


# ---------------------------------------------------------------- reading the streams

def text(value):
    """The host reads optional fields as str(value or '')."""
    return str(value or "")


def ts_of(row):
    """ts as a number: numeric strings count, anything else is 0."""
    number = common.to_decimal(row.get("ts"))
    return 0.0 if number is None else float(number)


def is_pending(proposal_id, receipts):
    """Pending unless some receipt applied it, failed it, or found it already at the proposed value."""
    for receipt in receipts:
        if text(receipt.get("proposal_id")) != proposal_id:
            continue
        result = text(receipt.get("result"))
        if result in DONE_RESULTS or (result == "skipped" and text(receipt.get("failure_reason")) == "already_at_proposed"):
            return False
    return True


def for_market(proposals, market):
    return [p for p in proposals if text(p.get("market")) == market] if market else list(proposals)


def list_pending(proposals, receipts, market, limit):
    """Newest ts first (stable, so ties keep file order), one row per id, capped at limit (0: no cap)."""
    listed, seen = [], set()
    for row in sorted(for_market(proposals, market), key=ts_of, reverse=True):
        proposal_id = text(row.get("proposal_id"))
        if not proposal_id or proposal_id in seen:
            continue
        seen.add(proposal_id)
        if is_pending(proposal_id, receipts):
            listed.append(dict({k: row.get(k) for k in LISTED_FIELDS}, proposal_id=proposal_id))
            if 0 < limit <= len(listed):
                break
    return listed


def latest_with_id(proposals, proposal_id):
    """The row with the greatest ts among those with this id; the first in file order on a tie."""
    matches = [p for p in proposals if text(p.get("proposal_id")) == proposal_id]
    return max(matches, key=ts_of) if matches else None


def is_warren_eligible(row):
    return (row.get("deadman") is True and row.get("guardrail_status") == "passed" and row.get("confidence") == "high"
            and row.get("escalation_target") == "warren" and row.get("rejected") is not True)


def select_warren(proposals, receipts, limit):
    """The newest eligible pending row per (market, param), processed oldest first, the first `limit` of them."""
    newest = {}
    for row in sorted(proposals, key=ts_of):
        proposal_id = text(row.get("proposal_id"))
        if not proposal_id or not is_pending(proposal_id, receipts) or not is_warren_eligible(row):
            continue
        key = (text(row.get("market")), text(row.get("param")))
        if key not in newest or ts_of(row) > ts_of(newest[key]):
            newest[key] = row
    selected = sorted(newest.values(), key=ts_of)
    return selected[:limit] if limit > 0 else selected


def not_selected_reason(proposals, receipts, proposal_id):
    """Why --proposal-id selected nothing (looked up without the --market filter)."""
    row = latest_with_id(proposals, proposal_id)
    if row is None:
        return "proposal_id_not_found"
    if not is_pending(proposal_id, receipts):
        return "proposal_not_pending"
    return row_problem(row, protected=None) or "pending"  # the host does not look at protection here


# ---------------------------------------------------------------- checks and the env file

def row_problem(row, protected):
    """The proposal row's own checks, in the host's order; None when it may be applied. protected=None skips
    the protection check."""
    param = text(row.get("param"))
    if row.get("guardrail_status") != "passed":
        return "guardrail_not_passed"
    if row.get("rejected") is True:
        return "proposal_rejected"
    if not param or param == "*":
        return "proposal_not_param_level"
    if protected is not None and (param in protected or common.is_secret_like(param)):
        return "protected_key"
    if row.get("proposed") is None:
        return "missing_proposed_value"
    if not text(row.get("env_path")):
        return "missing_env_path"
    return None


def load_protected_keys(repo):
    """The default protected keys plus the policy's protected_keys.json; a malformed file stops the run with
    the host's message (its traceback)."""
    keys = set(common.PROTECTED_KEYS)
    path = (Path(repo) / "mm_config" / "policy" / "protected_keys.json").resolve()
    if not path.exists():
        return keys
    try:
        listed = json.loads(path.read_text())
    except Exception as exc:
        raise RuntimeError("invalid protected_keys.json at %s: %s" % (path, exc)) from exc
    if not isinstance(listed, list):
        raise RuntimeError("invalid protected_keys.json at %s: expected array" % path)
    for item in listed:
        key = str(item).strip()
        if not common.KEY_PATTERN.match(key):
            raise RuntimeError("invalid protected key in %s: %r" % (path, item))
        keys.add(key)
    return keys


def as_bool(value):
    return {"true": True, "1": True, "false": False, "0": False}.get(value.lower())


def same_value(current, other):
    """Equal as trimmed text, as decimals (1.50 = 1.5) or as booleans (0 = false); null equals only null."""
    if current is None or other is None:
        return current is None and other is None
    left, right = str(current).strip(), str(other).strip()
    if left == right:
        return True
    left_number, right_number = common.to_decimal(left), common.to_decimal(right)
    if left_number is not None and right_number is not None:
        return left_number == right_number
    left_bool, right_bool = as_bool(left), as_bool(right)
    return left_bool is not None and left_bool == right_bool


def rewritten(lines, key, value):
    """Every non-comment line whose trimmed key is `key` becomes KEY=value, keeping anything from the first
    '#' of its old value as a comment after one space; an absent key is appended as the last line."""
    out, found = [], False
    for line in lines:
        name, _, rest = line.partition("=")
        if "=" not in line or line.strip().startswith("#") or name.strip() != key:
            out.append(line)
            continue
        found = True
        comment = rest[rest.index("#"):] if "#" in rest else ""
        out.append("%s=%s%s" % (key, value, " " + comment if comment else ""))
    return out if found else out + ["%s=%s" % (key, value)]


def as_file_text(lines):
    """Lines joined by LF with exactly one final newline: CRLF files come back as LF."""
    return "\n".join(lines).rstrip("\n") + "\n"


def new_env_text(lines, param, proposed, old):
    """The text to write, or Outcome when the file is already at the value or has moved away from `old`."""
    current = common.parse_env(lines).get(param)
    if same_value(current, proposed):
        raise Outcome("skipped", "already_at_proposed")
    if old is not None and not same_value(current, old):
        raise Outcome("failed", "current_value_mismatch")
    text_after = as_file_text(rewritten(lines, param, proposed))
    if text_after == as_file_text(lines):
        raise Outcome("skipped", "already_at_proposed")
    return text_after


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@contextmanager
def env_lock(env_path):
    """Non-blocking flock on <file>.lock, retried every 50 ms for 10 s; the lock file stays behind."""
    with open(env_path.with_name(env_path.name + ".lock"), "a+") as handle:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TimeoutError("env lock held: %s.lock" % env_path) from None
                time.sleep(LOCK_POLL_S)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def replace_file(path, content):
    """Temp file in the same folder (mode 0600, which the env file keeps), fsync, rename, fsync the folder."""
    handle, temp = tempfile.mkstemp(prefix=".%s." % path.name, dir=str(path.parent))
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
        folder = os.open(str(path.parent), os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


# ---------------------------------------------------------------- one attempt

class Attempt:
    """One proposal's attempt: its receipt and its changelog row, whatever the result."""

    def __init__(self, proposal, applied_by):
        self.proposal, self.applied_by = proposal, applied_by
        self.ts = time.time()
        self.before = self.after = None

    def run(self, approve, dry_run, protected):
        try:
            self.write(approve, dry_run, protected)
        except Outcome as outcome:
            return self.finish(outcome.result, outcome.reason)
        return self.finish("applied", None)

    def write(self, approve, dry_run, protected):
        proposal = self.proposal
        if not approve:
            raise Outcome("skipped", "approval_required")
        problem = row_problem(proposal, protected)
        if problem:
            raise Outcome("failed", problem)
        env_path = Path(str(proposal["env_path"])).resolve()
        if not env_path.exists():
            raise Outcome("failed", "env_file_not_found")
        try:
            lines = common.read_env_lines(env_path)
        except (OSError, ValueError):
            raise Outcome("failed", "env_read_failed") from None
        param, proposed, old = text(proposal.get("param")), str(proposal["proposed"]), proposal.get("old")
        self.before = self.after = sha256(env_path)
        new_env_text(lines, param, proposed, old)
        if dry_run:
            raise Outcome("skipped", "dry_run")
        try:
            with env_lock(env_path):
                # Checked again under the lock: another writer may have changed the file meanwhile.
                lines = common.read_env_lines(env_path)
                self.before = self.after = sha256(env_path)
                replace_file(env_path, new_env_text(lines, param, proposed, old))
                self.after = sha256(env_path)
        except TimeoutError:
            raise Outcome("failed", "env_lock_timeout") from None
        except Outcome:
            raise
        except Exception:  # the host reports any other write problem this way (e.g. the .lock is a folder)
            raise Outcome("failed", "env_write_failed") from None

    def finish(self, result, reason):
        receipt = {"proposal_id": text(self.proposal.get("proposal_id")), "applied_by": self.applied_by,
                   "applied_ts": self.ts, "result": result, "env_before_hash": self.before,
                   "env_after_hash": self.after}
        if reason:
            receipt["failure_reason"] = reason
        # The whole proposal row; keys it already has keep their place, the others follow in this order.
        changelog = dict(self.proposal)
        changelog.update({"ts": self.ts, "created_at": common.iso_utc(self.ts), "proposal_only": False,
                          "applied": result == "applied", "rejected": result != "applied",
                          "applied_by": self.applied_by, "applied_ts": self.ts, "apply_result": result,
                          "failure_reason": reason, "env_before_hash": self.before,
                          "env_after_hash": self.after, "source": "mm_advisor_apply"})
        return receipt, changelog


# ---------------------------------------------------------------- command line

def main(argv):
    common.log_invocation("mm_advisor_apply.py", argv)
    parser = argparse.ArgumentParser(description="Apply advisor proposals with explicit approval.")
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parents[1]), help="Repository root.")
    parser.add_argument("--mode", choices=["human", "warren-auto"], default="human")
    parser.add_argument("--proposal-id", default=None)
    parser.add_argument("--list-pending", action="store_true")
    parser.add_argument("--list-limit", type=int, default=50)
    parser.add_argument("--market", default=None)
    parser.add_argument("--approve", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.mode == "human" and not args.proposal_id and not args.list_pending:
        sys.exit("--proposal-id is required in human mode.")
    command = "list-pending" if args.list_pending else ("approve" if args.proposal_id else args.mode)
    fault = common.Fault(command)
    fault.before_work({"selected": 0, "error": "injected fault (error-json)"}, args.repo)

    # Every stream path is resolved through symlinks (a linked data/ or file), a dangling link to its target.
    repo = Path(args.repo).resolve()
    advisor = repo / "data" / "mm_audit" / "advisor"
    proposals_path = (advisor / "proposals.jsonl").resolve()
    receipts_path = (advisor / "apply_receipts.jsonl").resolve()
    changelog_path = (repo / "data" / "mm_audit" / "config_changelog.jsonl").resolve()
    for stream in (receipts_path, changelog_path):
        stream.parent.mkdir(parents=True, exist_ok=True)
        if not stream.exists():
            stream.touch()
    proposals = common.read_jsonl(proposals_path)
    receipts = common.read_jsonl(receipts_path)

    if args.list_pending:
        rows = list_pending(proposals, receipts, args.market, args.list_limit)
        common.emit({"pending": len(rows), "mode": args.mode, "proposals_path": str(proposals_path),
                     "results": rows}, 0, fault)

    if args.proposal_id:
        row = latest_with_id(for_market(proposals, args.market), args.proposal_id)
        selected = [row] if row is not None and is_pending(args.proposal_id, receipts) else []
    else:
        selected = select_warren(for_market(proposals, args.market), receipts, args.limit)
    protected = load_protected_keys(repo)
    applied_by = "warren_auto" if args.mode == "warren-auto" else "human"
    summary = {"selected": len(selected), "applied": 0, "failed": 0, "skipped": 0, "mode": args.mode,
               "applied_by": applied_by, "dry_run": args.dry_run, "results": []}
    if args.proposal_id and not selected:
        summary.update(proposal_id=args.proposal_id, proposals_path=str(proposals_path),
                       reason=not_selected_reason(proposals, receipts, args.proposal_id))
        common.emit(summary, 1, fault)

    for proposal in selected:
        receipt, changelog = Attempt(proposal, applied_by).run(args.approve, args.dry_run, protected)
        common.append_jsonl(receipts_path, receipt)
        common.append_jsonl(changelog_path, changelog)
        summary[receipt["result"]] += 1
        summary["results"].append(receipt)
    # Exit 1 when anything failed, and for --proposal-id when nothing was applied but something was skipped.
    failed = summary["failed"] > 0 or bool(args.proposal_id and summary["applied"] == 0 and summary["skipped"] > 0)
    common.emit(summary, 1 if failed else 0, fault)


if __name__ == "__main__":
    main(sys.argv[1:])
