using MmOperator.Approvals;
using MmOperator.Audit;

namespace MmOperator.Flow;

/// <summary>What a refusal stops besides its attempt: nothing (the next target goes on), the command, or the script that ran it.</summary>
public enum Halt
{
    None,
    Command,
    Script,
}

/// <summary>A result for the caller, written with its module type name.</summary>
public sealed record Output(object Value, string TypeName);

/// <summary>
/// One state-changing attempt on one target (a market, a key in a file, a set of proposals, a request),
/// made by <see cref="RunbookFlow.NewAttempt"/>: what it is (cmdlet, action, target, key, reason, the
/// command's batch), then how it was approved, what it runs, and how it ended. It ends once (a second
/// ending throws), and each ending (refused, declined, pending, failed, succeeded, no change) journals it
/// and then tells the caller, once. The flows build journal records and write an attempt's errors
/// here only, so nothing the module refuses or fails goes unrecorded.
/// </summary>
public sealed class Attempt
{
    private readonly RunbookFlow _flow;
    private bool _told;

    internal Attempt(RunbookFlow flow, string action, string? target, string? reason, string? key)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(action);
        _flow = flow;
        Action = action;
        Target = target;
        Reason = reason;
        Key = key;
    }

    public string Cmdlet => _flow.Context.CmdletName;

    /// <summary>The action as the journal names it (stop, set, advisor_approve, ...).</summary>
    public string Action { get; }

    /// <summary>The market (or what stands for it) the journal names: the records of one target all name the same.</summary>
    public string? Target { get; }

    public string? Key { get; }

    /// <summary>As typed, until <see cref="RunbookFlow.ValidReason(Attempt)"/> checked it.</summary>
    public string? Reason { get; internal set; }

    /// <summary>The command run it belongs to (<see cref="AuditRecord.Batch"/>).</summary>
    public string Batch => _flow.BatchId;

    /// <summary>How, by whom and when it was approved; null until it was.</summary>
    public Approval? Approval { get; private set; }

    /// <summary>The argv it runs, once it is about to.</summary>
    public IReadOnlyList<string>? Argv { get; private set; }

    /// <summary>The id of its Intended record, which the records of how it ended name.</summary>
    public string? IntentId { get; private set; }

    /// <summary>A person's stop run while the journal took no records: its records go to the system log.</summary>
    public bool OutsideJournal { get; private set; }

    /// <summary>How it ended; null while it has not.</summary>
    public AuditOutcome? Outcome { get; private set; }

    /// <summary>The Approval text of its records and results (None until approved).</summary>
    public string ApprovalText => Approval?.ToString() ?? ApprovalMode.None;

    private IFlowContext Context => _flow.Context;

    /// <summary>Approved, once (the flow asks; see <see cref="RunbookFlow.Approve"/>).</summary>
    internal void Approve(Approval approval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        if (Approval is not null)
        {
            throw new InvalidOperationException($"{Action} {Target} is already approved ({Approval}): an attempt is approved once.");
        }

        Approval = approval;
    }

    /// <summary>
    /// Another target of the same approved run (one receipt of an advisor apply): its intent, approval and
    /// argv, ending on its own.
    /// </summary>
    public Attempt Part(string? target, string? key) =>
        new(_flow, Action, target, Reason, key) { Approval = Approval, Argv = Argv, IntentId = IntentId, OutsideJournal = OutsideJournal };

    /// <summary>
    /// Journals what is about to run, flushed to disk before any of it does; the records of how it ends
    /// name it. False when the journal cannot take it: the attempt ends unrecorded, with the error, and
    /// nothing may run. With <paramref name="orSystemLog"/> (a person's stop) it runs anyway and its
    /// records go to the system log, with a loud warning.
    /// </summary>
    /// <param name="facts">What else the intent says (the edit's values, the Plan's line).</param>
    public bool Intend(IReadOnlyList<string>? argv, Action<AuditRecord>? facts = null, bool orSystemLog = false)
    {
        if (Approval is null || IntentId is not null || Outcome is not null)
        {
            throw new InvalidOperationException($"{Action} {Target}: only an approved attempt, not yet under way, is intended.");
        }

        _flow.RecordRefusals();
        Argv = argv;
        var intent = RecordOf(AuditOutcome.Intended, null, facts);
        try
        {
            IntentId = _flow.Record(intent, throwIfUnavailable: true)!.Id;
            return true;
        }
        catch (OperatorException unwritable) when (orSystemLog)
        {
            (IntentId, OutsideJournal) = (_flow.LogToSystem(intent, unwritable, "runs anyway, because a person asked for a stop"), true);
            return true;
        }
        catch (OperatorException unwritable)
        {
            // The journal is what failed: this ending cannot be recorded, and nothing runs.
            EndAs(AuditOutcome.Failed);
            Tell(null, unwritable);
            return false;
        }
    }

    /// <summary>
    /// Refused: one of the command's refusals, which are journalled together (not under -WhatIf), then its
    /// error, or the <paramref name="reported"/> errors when the refusal sums up several (a submission's
    /// rows). A <paramref name="halt"/> journals the command's refusals first, then stops the command or the script.
    /// </summary>
    /// <param name="newValue">The value refused for the key, which the record keeps (secret-like assignments masked).</param>
    public void Refuse(OperatorException refusal, Halt halt = Halt.None, IReadOnlyList<OperatorException>? reported = null, string? newValue = null)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        EndAs(AuditOutcome.Refused);
        _flow.Tally(this, refusal, newValue);
        if (halt == Halt.None)
        {
            Tell(null, [.. reported ?? [refusal]]);
            return;
        }

        _flow.RecordRefusals();
        _told = true;
        if (halt == Halt.Script)
        {
            Context.ThrowScriptTerminatingError(refusal.ToErrorRecord());
        }

        Context.ThrowTerminatingError(refusal.ToErrorRecord());
    }

    /// <summary>Declined by the person: journalled with <paramref name="detail"/>, then <paramref name="said"/> (-Verbose, or a warning when <paramref name="warn"/>).</summary>
    public void Decline(string detail, string said, bool warn = false)
    {
        ArgumentNullException.ThrowIfNull(said);
        Journal(AuditOutcome.Declined, record => record.Detail = detail);
        Told();
        if (warn)
        {
            Context.WriteWarning(said);
        }
        else
        {
            Context.WriteVerbose(said);
        }
    }

    /// <summary>Waiting for a human's approval (a request filed): journalled, then <paramref name="pending"/> as its error.</summary>
    public void Pending(OperatorException pending, string detail)
    {
        ArgumentNullException.ThrowIfNull(pending);
        Journal(AuditOutcome.PendingApproval, record => record.Detail = detail, pending);
        Tell(null, pending);
    }

    /// <summary>Done: journalled, then its result (given the record's id). Returns the record's id.</summary>
    public string? Succeed(Action<AuditRecord>? facts = null, Func<string?, Output>? result = null) => End(AuditOutcome.Succeeded, facts, result);

    /// <summary>Nothing to change, or nothing changed: journalled, then its result. Returns the record's id.</summary>
    public string? NoChange(Action<AuditRecord>? facts = null, Func<string?, Output>? result = null) => End(AuditOutcome.NoChange, facts, result);

    /// <summary>Failed: journalled with the failure's id and message, then the result, then the failure as its error.</summary>
    public string? Fail(OperatorException failure, Action<AuditRecord>? facts = null, Func<string?, Output>? result = null)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return End(AuditOutcome.Failed, facts, result, failure);
    }

    /// <summary>
    /// Ends as <paramref name="outcome"/>: journalled (the first error gives the record its id and detail unless
    /// <paramref name="facts"/> say otherwise), then the result, given the record's id, then each error.
    /// </summary>
    public string? End(AuditOutcome outcome, Action<AuditRecord>? facts, Func<string?, Output>? result, params OperatorException[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var id = Journal(outcome, facts, errors.FirstOrDefault());
        Tell(result?.Invoke(id), errors);
        return id;
    }

    /// <summary>
    /// The first half of an ending, where the two come apart: a market run is journalled as it finishes,
    /// even after Ctrl+C, and told (<see cref="Tell"/>) only while the pipeline takes writes. Returns the
    /// record's id; null when the journal could not take it (an error said so). A run outside the journal
    /// ends in the system log, as it was intended there.
    /// </summary>
    public string? Journal(AuditOutcome outcome, Action<AuditRecord>? facts = null, OperatorException? error = null)
    {
        EndAs(outcome);
        var record = RecordOf(outcome, error, facts);
        if (!OutsideJournal)
        {
            return _flow.Record(record)?.Id;
        }

        try
        {
            return _flow.Record(record, throwIfUnavailable: true)!.Id;
        }
        catch (OperatorException unwritable)
        {
            return _flow.LogToSystem(record, unwritable, "has ended");
        }
    }

    /// <summary>The second half of an ending: the result, then each error (whose target is the result, when there is one). Once.</summary>
    public void Tell(Output? result, params OperatorException[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        Told();
        if (result is not null)
        {
            Context.WriteObject(result.Value, result.TypeName);
        }

        foreach (var error in errors)
        {
            Context.WriteError(new ErrorRecord(error, error.ErrorId, error.Category, result?.Value ?? error.Target));
        }
    }

    /// <summary>Its journal record: what it is, how it was approved, and how it ended; <paramref name="facts"/> add the rest.</summary>
    internal AuditRecord RecordOf(AuditOutcome outcome, OperatorException? error, Action<AuditRecord>? facts)
    {
        var record = new AuditRecord
        {
            Attempt = outcome == AuditOutcome.Intended ? null : IntentId,
            Batch = Batch,
            Cmdlet = Cmdlet,
            Action = Action,
            Market = Target,
            Key = Key,
            Reason = Reason,
            Approval = ApprovalText,
            ApprovedAt = Approval?.At,
            ApprovedBy = Approval?.By,
            Argv = Argv,
            Outcome = outcome,
            ErrorId = error?.ErrorId,
            Detail = error?.Message,
        };
        facts?.Invoke(record);
        return record;
    }

    private void EndAs(AuditOutcome outcome)
    {
        if (Outcome is { } ended)
        {
            throw new InvalidOperationException($"{Action} {Target} already ended ({ended}): an attempt ends once.");
        }

        Outcome = outcome;
    }

    private void Told()
    {
        if (Outcome is null || _told)
        {
            throw new InvalidOperationException($"{Action} {Target}: an attempt tells the caller once, when it has ended.");
        }

        _told = true;
    }
}
