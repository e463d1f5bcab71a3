"""mm_advisor_submit.py, as the MmOperator sandbox stands it in: proposal intake.

Checks every input row against the policy (whitelist, bounds) and is all-or-nothing:
one failing row means nothing is written; exit 1 when anything failed.
"""
import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sandbox_host import common  # noqa: E402

CONFIDENCE = ("low", "medium", "high")
TARGETS = ("human", "warren")


def check_bounds(param, proposed, bounds):
    rule = bounds.get(param)
    if rule is None:
        return None
    kind = rule.get("type", "string")
    text = str(proposed).strip()
    if kind == "bool":
        return None if text.lower() in ("true", "false", "1", "0") else "%s expects bool" % param
    if kind == "string":
        return None
    try:
        number = int(text) if kind == "int" else float(text)
    except ValueError:
        return "%s expects %s" % (param, kind)
    if "min" in rule and number < rule["min"]:
        return "%s below min bound (%s)" % (param, float(rule["min"]))
    if "max" in rule and number > rule["max"]:
        return "%s above max bound (%s)" % (param, float(rule["max"]))
    return None


def check_row(repo, row, whitelist, bounds):
    if not isinstance(row, dict):
        return "row is not an object"
    for field in ("market", "param", "proposed"):
        if row.get(field) in (None, ""):
            return "missing %s" % field
    param = str(row["param"])
    if param not in whitelist:
        return "param not whitelisted: %s" % param
    problem = check_bounds(param, row["proposed"], bounds)
    if problem:
        return problem
    if row.get("confidence", "medium") not in CONFIDENCE:
        return "invalid confidence: %s" % row.get("confidence")
    if row.get("escalation_target", "human") not in TARGETS:
        return "invalid escalation_target: %s" % row.get("escalation_target")
    if not isinstance(row.get("deadman", False), bool):
        return "deadman must be a bool"
    env = env_path(repo, row)
    if not env.is_file():
        return "env file not found: %s" % env
    return None


def env_path(repo, row):
    if row.get("env_file"):
        path = Path(row["env_file"])
        return path if path.is_absolute() else Path(repo) / path
    return common.env_path_for_market(repo, str(row["market"]))


def proposal(repo, row, now, taken):
    param = str(row["param"])
    env = env_path(repo, row)
    old = common.read_env(env).get(param)
    proposal_id = row.get("proposal_id") or "%s-%d-manual-%s" % (str(row["market"]).replace("-", "_"), int(now), param)
    base, serial = proposal_id, 1
    while proposal_id in taken:
        serial += 1
        proposal_id = "%s-%d" % (base, serial)
    taken.add(proposal_id)
    proposed = str(row["proposed"])
    return {"proposal_id": proposal_id, "ts": now, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "market": row["market"], "env_path": str(env), "iteration": 0, "param": param, "old": old,
            "proposed": proposed, "new": proposed, "baseline_value": old, "reason_codes": ["manual_submit"],
            "confidence": row.get("confidence", "medium"), "guardrail_status": "passed", "guardrail_reason": "ok",
            "proposal_only": True, "applied": False, "rejected": False, "deadman": row.get("deadman", False),
            "escalation_target": row.get("escalation_target", "human"), "cooldown_until_ts": None,
            "source": row.get("source", "mm_analyst_submit"), "reason_note": row.get("reason", "")}


def main(argv):
    parser = argparse.ArgumentParser(prog="mm_advisor_submit.py")
    parser.add_argument("--repo", required=True)
    parser.add_argument("--input-jsonl", required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    common.log_invocation(args.repo, "mm_advisor_submit.py", argv)
    fault = common.Fault("submit")
    proposals_path = Path(args.repo) / "data" / "mm_audit" / "advisor" / "proposals.jsonl"
    fault.before_work({"ok": False, "error": "injected fault (error-json)"}, args.repo)
    whitelist = set(common.load_policy(args.repo, "whitelist.json", []))
    bounds = common.load_policy(args.repo, "bounds.json", {})
    rows, failures = [], []
    with open(args.input_jsonl, "r", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                failures.append({"line": number, "error": "invalid json: %s" % exc})
                continue
            problem = check_row(args.repo, row, whitelist, bounds)
            if problem:
                failures.append({"line": number, "error": problem})
            else:
                rows.append(row)
    ids = []
    if not failures and rows:
        now = time.time()
        taken = {r.get("proposal_id") for r in common.read_jsonl(proposals_path)}
        created = [proposal(args.repo, row, now, taken) for row in rows]
        for row in created:
            common.append_jsonl(proposals_path, row)
        ids = [p["proposal_id"] for p in created]
    ok = not failures
    result = {"ok": ok, "created": len(ids), "written": len(ids), "failed": len(failures),
              "proposals_path": str(proposals_path), "proposal_ids": ids, "failures": failures}
    common.emit(result, 0 if ok else 1, fault)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
