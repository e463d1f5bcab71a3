"""mm_advisor_apply.py, as the MmOperator sandbox stands it in: list and apply proposals.

--list-pending, --proposal-id <id> --approve, and --mode warren-auto --approve, with the
failure reasons, skips, receipts and exit codes of the observed contract. Edits the
.env file itself under flock on <file>.lock with an atomic replace.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sandbox_host import common  # noqa: E402


def advisor_dir(repo):
    return Path(repo) / "data" / "mm_audit" / "advisor"


def handled_ids(repo):
    return {r.get("proposal_id") for r in common.read_jsonl(advisor_dir(repo) / "apply_receipts.jsonl")}


def pending(repo):
    done = handled_ids(repo)
    return [p for p in common.read_jsonl(advisor_dir(repo) / "proposals.jsonl")
            if not p.get("applied") and not p.get("rejected") and p.get("proposal_id") not in done]


def listing(p):
    return {k: p.get(k) for k in ("proposal_id", "market", "param", "old", "proposed", "deadman", "confidence",
                                  "escalation_target", "guardrail_status", "ts")}


def failure(proposal, repo, approve):
    if not approve:
        return "approval_required"
    if proposal.get("guardrail_status") != "passed":
        return "guardrail_not_passed"
    if proposal.get("rejected"):
        return "proposal_rejected"
    if not proposal.get("param"):
        return "proposal_not_param_level"
    if common.is_protected(repo, proposal["param"]):
        return "protected_key"
    if proposal.get("proposed") in (None, ""):
        return "missing_proposed_value"
    if not proposal.get("env_path"):
        return "missing_env_path"
    if not Path(proposal["env_path"]).is_file():
        return "env_file_not_found"
    return None


def apply_one(repo, proposal, approve, dry_run, applied_by):
    receipt = {"proposal_id": proposal["proposal_id"], "applied_by": applied_by, "applied_ts": time.time()}
    env = proposal.get("env_path")
    problem = failure(proposal, repo, approve)
    if problem:
        return dict(receipt, result="failed", env_before_hash=None, env_after_hash=None, failure_reason=problem)
    with common.EnvLock(env):
        try:
            before = common.sha256_file(env)
            current = common.read_env(env).get(proposal["param"])
        except (OSError, UnicodeDecodeError):
            return dict(receipt, result="failed", env_before_hash=None, env_after_hash=None,
                        failure_reason="env_read_failed")
        if current == str(proposal["proposed"]):
            return dict(receipt, result="skipped", env_before_hash=before, env_after_hash=before,
                        failure_reason="already_at_proposed")
        if current != proposal.get("old"):
            return dict(receipt, result="failed", env_before_hash=before, env_after_hash=before,
                        failure_reason="current_value_mismatch")
        if dry_run:
            return dict(receipt, result="skipped", env_before_hash=before, env_after_hash=before,
                        failure_reason="dry_run")
        common.write_env_value(env, proposal["param"], str(proposal["proposed"]))
        after = common.sha256_file(env)
    common.append_jsonl(Path(repo) / "data" / "mm_audit" / "config_changelog.jsonl", [{
        "ts": time.time(), "env_path": env, "param": proposal["param"], "old": current,
        "new": str(proposal["proposed"]), "proposal_id": proposal["proposal_id"], "applied_by": applied_by}])
    return dict(receipt, result="applied", env_before_hash=before, env_after_hash=after)


def main(argv):
    parser = argparse.ArgumentParser(prog="mm_advisor_apply.py")
    parser.add_argument("--repo", required=True)
    parser.add_argument("--list-pending", action="store_true")
    parser.add_argument("--proposal-id")
    parser.add_argument("--mode", choices=["human", "warren-auto"], default="human")
    parser.add_argument("--approve", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    common.log_invocation(args.repo, "mm_advisor_apply.py", argv)
    command = "list-pending" if args.list_pending else ("approve" if args.proposal_id else args.mode)
    fault = common.Fault(command)
    fault.before_work({"selected": 0, "error": "injected fault (error-json)"}, args.repo)
    proposals_path = str(advisor_dir(args.repo) / "proposals.jsonl")
    if args.list_pending:
        rows = [listing(p) for p in pending(args.repo)]
        common.emit({"pending": len(rows), "mode": args.mode, "proposals_path": proposals_path, "results": rows},
                    0, fault)
    applied_by = "warren_auto" if args.mode == "warren-auto" else "human"
    summary = {"selected": 0, "applied": 0, "failed": 0, "skipped": 0, "mode": args.mode, "applied_by": applied_by,
               "dry_run": args.dry_run, "results": []}
    if args.proposal_id:
        known = [p for p in common.read_jsonl(advisor_dir(args.repo) / "proposals.jsonl")
                 if p.get("proposal_id") == args.proposal_id]
        chosen = [p for p in pending(args.repo) if p.get("proposal_id") == args.proposal_id][:1]
        if not chosen:
            summary.update(proposal_id=args.proposal_id, proposals_path=proposals_path,
                           reason="proposal_not_pending" if known else "proposal_id_not_found")
            common.emit(summary, 1, fault)
    elif args.mode == "warren-auto":
        chosen = [p for p in pending(args.repo) if p.get("deadman") is True and p.get("guardrail_status") == "passed"
                  and p.get("confidence") == "high" and p.get("escalation_target") == "warren"]
    else:
        parser.error("one of --list-pending, --proposal-id or --mode warren-auto is required")
    results = [apply_one(args.repo, p, args.approve, args.dry_run, applied_by) for p in chosen]
    common.append_jsonl(advisor_dir(args.repo) / "apply_receipts.jsonl",
                        [r for r in results if r.get("failure_reason") not in ("approval_required", "dry_run")])
    for r in results:
        if r.get("env_before_hash") is None:
            r.pop("env_before_hash")
            r.pop("env_after_hash")
    summary["selected"] = len(chosen)
    for kind in ("applied", "failed", "skipped"):
        summary[kind] = sum(1 for r in results if r["result"] == kind)
    summary["results"] = results
    bad = summary["failed"] > 0 or (args.proposal_id is not None and summary["applied"] == 0)
    common.emit(summary, 1 if bad else 0, fault)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
