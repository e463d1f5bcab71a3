using System.Text.Json;
using MmOperator.Advisor;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.EnvFiles;
using MmOperator.Host;
using MmOperator.Options;
using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Flow;

/// <summary>
/// Get-, Approve-MmAdvisorProposal and Invoke-MmAdvisorAutoApply on <see cref="RunbookFlow"/>, and what
/// Submit-MmAdvisorProposal shares: every mm_advisor_apply.py command under approval, the listing too;
/// results read per the contract (exit 1 with a JSON summary is a reported failure); key-diff reports.
/// A restricted session plans from the host's files, so there -WhatIf shows the Plan its ticket binds.
/// </summary>
public sealed class AdvisorFlow
{
    private RepoPolicy? _policy;

    // The journal's names for the three actions.
    private const string ListAction = AuditActions.AdvisorList;
    private const string ApproveOne = AuditActions.AdvisorApprove;
    private const string WarrenAutoAction = AuditActions.AdvisorWarrenAuto;

    public AdvisorFlow(RunbookFlow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        Flow = flow;
    }

    public RunbookFlow Flow { get; }

    public RepoPolicy Policy => _policy ??= RepoPolicy.Load(Options.RepoPath);

    private IFlowContext Context => Flow.Context;

    private OperatorOptions Options => Flow.Options;

    private MarketCatalog Catalog => Context.Catalog;

    private bool IsRestricted => Flow.IsRestricted;

    /// <summary>mmctl, python, the journal and the repo's policy must be there before anything is asked.</summary>
    public void Prepare()
    {
        Flow.PrepareStateChange();
        Flow.Require(HostPreconditions.RequirePython);
        Flow.Require(options => { _ = Policy; });
    }

    /// <summary>
    /// The pending proposals, via <c>mm_advisor_apply.py --list-pending --json</c>, completed from the
    /// host's files (read only) by the script's own rule once the two agree: the listing does not show
    /// the file each proposal writes, and a full answer (the script stops at
    /// <see cref="PendingProposals.ListCap"/>) may not be all of them, which a warning says. Throws the
    /// read's error (<see cref="Unanswered"/>).
    /// </summary>
    private List<AdvisorProposal> ListPending()
    {
        var listed = RunListing();
        if (listed.Count >= PendingProposals.ListCap)
        {
            Context.WriteWarning($"mm_advisor_apply.py --list-pending answers at most {PendingProposals.ListCap} proposals and gave {listed.Count}, so the pending ones are decided from {PendingProposals.ProposalsPath(Options.RepoPath)} and {PendingProposals.ReceiptsPath(Options.RepoPath)} (read only) by the script's own rule.");
        }

        return ReadFiles(listed).Pending.Select(ToProposal).ToList();
    }

    /// <summary>The host's advisor files read by the script's rule, once its own listing agrees with them; throws the read's error.</summary>
    private PendingProposals ReadPendingFiles() => ReadFiles(RunListing());

    /// <summary>
    /// The host's advisor files for a Plan, read only and without the listing (<see cref="ReadsFilesOnly"/>): the
    /// listing line is an mm_advisor_apply.py command, so there it runs only under the action's own
    /// ticket (<see cref="ConfirmPlanned"/>). Throws the read's error, masked.
    /// </summary>
    private PendingProposals ReadFilesUnlisted()
    {
        try
        {
            return PendingProposals.Read(Options.RepoPath);
        }
        catch (OperatorException unreadable)
        {
            throw Flow.MaskHostText(unreadable);
        }
    }

    /// <summary>
    /// -WhatIf and a restricted session plan from the host's files alone: the listing is an
    /// mm_advisor_apply.py command, which -WhatIf never runs and a restricted session runs only under
    /// the action's ticket. The Plan then names each proposal, as the prompt does.
    /// </summary>
    private bool ReadsFilesOnly => Flow.IsWhatIf || IsRestricted;

    /// <summary>The command lines an approval covers: in a restricted session the listing that confirms the Plan comes first, under the same ticket.</summary>
    private IReadOnlyList<string> PlannedCommands(HostCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return IsRestricted ? [HostCommand.AdvisorListPending(Options).CommandLine, command.CommandLine] : [command.CommandLine];
    }

    /// <summary>The Plan's action line for <see cref="PlannedCommands"/>.</summary>
    private string PlannedLine(HostCommand command, string what) =>
        IsRestricted ? $"{PlannedCommands(command)[0]} (confirms the proposals below are pending), then {command.CommandLine} ({what})" : $"{command.CommandLine} ({what})";

    /// <summary>
    /// In a restricted session, once approved: runs the listing the Plan named, and goes on only while
    /// the script's own selection still gives exactly the planned proposals. Otherwise nothing is applied.
    /// </summary>
    private bool ConfirmPlanned(IReadOnlyList<AdvisorProposal> planned, Func<PendingProposals, IEnumerable<ProposalRecord>> select, Attempt attempt)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(select);
        if (!IsRestricted)
        {
            return true;
        }

        PendingProposals? files = null;
        OperatorException? unanswered = null;
        try
        {
            files = ReadPendingFiles();
        }
        catch (OperatorException failure)
        {
            unanswered = failure;
        }

        if (files is not null && select(files).Select(ToProposal).Select(p => p.ToString()).SequenceEqual(planned.Select(p => p.ToString())))
        {
            return true;
        }

        var refusal = new OperatorException(ErrorIds.PendingListMismatch, ErrorCategory.InvalidData, "mm_advisor_apply.py --list-pending no longer gives the approved proposals (they changed or were handled since the plan, or the listing failed). Nothing was applied and the ticket is used; look again and file a new request.", attempt.Action);
        // The read's error, if any, is told first, as it says why; the record is of the mismatch.
        attempt.End(
            AuditOutcome.Failed,
            record => (record.Argv, record.ErrorId, record.Detail) = (HostCommand.AdvisorListPending(Options).Argv, refusal.ErrorId, refusal.Message),
            null,
            [.. unanswered is null ? [] : new[] { unanswered }, refusal]);
        return false;
    }

    /// <summary>
    /// The listing or the files gave no usable answer (<paramref name="failure"/>), so the command attempts
    /// nothing more: the attempt fails, journalled before its error is written (a failure is journalled even
    /// before anything was asked). Under -WhatIf, which journals nothing, the error is told as a refusal,
    /// which -WhatIf does not journal.
    /// </summary>
    /// <param name="notApplied">The proposal ids it was to apply, which the record names.</param>
    private void Unanswered(Attempt attempt, OperatorException failure, IEnumerable<ProposalId>? notApplied = null)
    {
        if (Flow.IsWhatIf)
        {
            attempt.Refuse(failure);
            return;
        }

        attempt.Fail(failure, notApplied is null ? null : record => record.Detail = $"{failure.Message} (not applied: {string.Join(", ", notApplied)})");
    }

    /// <summary>The proposal by the repo's key rules; the submitter's reason, free text from the host's files, masked as the host's free text is (a secret's value anywhere in it).</summary>
    private AdvisorProposal ToProposal(ProposalRecord record)
    {
        var proposal = record.ToProposal(Policy.Keys);
        return proposal with { ReasonNote = Context.Masker.Apply(proposal.ReasonNote) };
    }

    /// <summary>Why the apply script must not run this proposal, or null. It names the proposal's fields, its values by key as everywhere.</summary>
    private OperatorException? PolicyRefusal(AdvisorProposal proposal) => ProposalPolicy.Refusal(proposal, Policy, Catalog);

    /// <summary>The listing's rows, in its order; throws its error (a <see cref="HostCommandException"/>).</summary>
    private List<ProposalRecord> RunListing()
    {
        var run = Context.RunHost(HostCommand.AdvisorListPending(Options));
        try
        {
            return HostResultReader.Read<AdvisorPendingList>(run).Results.Select(row => new ProposalRecord(row)).ToList();
        }
        catch (Exception failure) when (failure is ArgumentException or InvalidOperationException)
        {
            throw HostResultReader.Invalid(run, $"a listed proposal cannot be read ({failure.Message})");
        }
    }

    /// <summary>
    /// The module relies on its own reading of the files only while it gives what the script listed
    /// (the files changed in between, or hold a row read differently, otherwise). Throws the read's error.
    /// </summary>
    private PendingProposals ReadFiles(List<ProposalRecord> listed)
    {
        var path = PendingProposals.ProposalsPath(Options.RepoPath);
        var files = ReadFilesUnlisted();
        return files.Disagreement(listed.Select(r => r.Id).ToList()) is { } difference
            ? throw new OperatorException(ErrorIds.PendingListMismatch, ErrorCategory.InvalidData, $"The module's reading of {path} does not give what mm_advisor_apply.py --list-pending listed ({difference}): the files changed in between, or hold a row the module reads differently. Nothing was applied. Try again; if it persists, have a human look at the file.", path)
            : files;
    }

    /// <summary>
    /// Reports each receipt of an apply run as a key diff with the new status of its market (one
    /// mmctl status per market touched, after the run). A planned proposal without a receipt and a
    /// receipt for one that was not planned are errors.
    /// </summary>
    private void ReportApplication(HostRunResult run, IReadOnlyList<AdvisorProposal> planned, Attempt attempt)
    {
        AdvisorApplyResult result;
        try
        {
            result = HostResultReader.Read<AdvisorApplyResult>(run);
        }
        catch (HostCommandException failure)
        {
            attempt.Fail(failure, record => (record.ExitCode, record.Result) = (run.ExitCode, HostResultReader.ReadObjectOrNull(run)));
            return;
        }

        if (result.Selected == 0 && result.Reason is { } notSelected)
        {
            var id = notSelected == "proposal_not_pending" ? ErrorIds.ProposalNotPending : ErrorIds.ProposalNotFound;
            var refusal = new OperatorException(id, ErrorCategory.ObjectNotFound, $"{result.ProposalId}: the apply script selected nothing ({notSelected}). Nothing was applied.", result.ProposalId);
            attempt.Fail(refusal, record => (record.ExitCode, record.Result) = (run.ExitCode, HostResultReader.ReadObjectOrNull(run)));
            return;
        }

        var receipts = result.Results.Select(r => (Receipt: r, Proposal: planned.FirstOrDefault(p => p.ProposalId == r.ProposalId))).ToList();
        var statuses = receipts.Where(r => r.Receipt.Result == "applied")
            .Select(r => MarketOf(r.Proposal))
            .DistinctBy(entry => entry?.Slug)
            .ToDictionary(entry => entry?.Slug ?? string.Empty, entry => new StatusReports(Flow).Refresh(entry) is [var first, ..] ? first : null);
        foreach (var (receipt, proposal) in receipts)
        {
            var status = receipt.Result == "applied" ? statuses[MarketOf(proposal)?.Slug ?? string.Empty] : null;
            var failed = receipt.Result == "failed";
            var outcome = receipt.Result switch { "applied" => AuditOutcome.Succeeded, "skipped" => AuditOutcome.NoChange, _ => AuditOutcome.Failed };
            var part = attempt.Part(proposal?.Market, proposal?.Param);
            ProposalApplication Application(string? auditId) => new()
            {
                ProposalId = receipt.ProposalId,
                Market = proposal?.Market,
                Key = proposal?.Param,
                PreviousValue = proposal?.PreviousValue,
                NewValue = proposal?.NewValue,
                Result = receipt.Result,
                FailureReason = receipt.FailureReason,
                EnvBeforeHash = receipt.EnvBeforeHash,
                EnvAfterHash = receipt.EnvAfterHash,
                Mode = result.Mode,
                NewStatus = status,
                ReasonNote = proposal?.ReasonNote,
                Reason = part.Reason!,
                Approval = part.ApprovalText,
                AuditId = auditId,
            };
            var errors = new List<OperatorException>();
            if (failed)
            {
                errors.Add(new OperatorException(ErrorIds.AdvisorApplyFailed, ErrorCategory.InvalidResult, $"Proposal {receipt.ProposalId} was not applied: {receipt.FailureReason}."));
            }

            if (proposal is null)
            {
                errors.Add(new OperatorException(ErrorIds.AutoApplyUnplanned, ErrorCategory.SecurityError, $"The apply script handled proposal {receipt.ProposalId}, which was not in the approved plan."));
            }

            part.End(
                outcome,
                record =>
                {
                    record.ExitCode = run.ExitCode;
                    record.ErrorId = failed ? ErrorIds.AdvisorApplyFailed : null;
                    record.Detail = $"{receipt.ProposalId}: {receipt.Result}{(receipt.FailureReason is null ? string.Empty : " (" + receipt.FailureReason + ")")}; sha256 {receipt.EnvBeforeHash} -> {receipt.EnvAfterHash}";
                    record.Result = JsonSerializer.SerializeToElement(receipt, HostResultReader.Json);
                    record.PreviousValue = proposal?.IsProtected == false ? proposal.PreviousValue : null;
                    record.NewValue = proposal?.IsProtected == false ? proposal.NewValue : null;
                    record.NewStatus = status is null ? null : RunbookText.StatusFacts(status);
                },
                auditId => new Output(Application(auditId), ProposalApplication.TypeName),
                [.. errors]);
        }

        foreach (var missed in planned.Where(p => receipts.All(r => r.Receipt.ProposalId != p.ProposalId)))
        {
            var error = new OperatorException(ErrorIds.AutoApplyNotApplied, ErrorCategory.InvalidResult, $"Proposal {VisibleText.Of(missed.ProposalId)} ({VisibleText.Of(missed.Change)}) was in the approved plan, but the apply script gave no receipt for it: this run did not apply it (it may have been handled in between). See whether it is still pending with Get-MmAdvisorProposal.", missed);
            attempt.Part(missed.Market, missed.Param).Fail(error, record => record.ExitCode = run.ExitCode);
        }
    }

    /// <summary>
    /// Real money and risk changes among proposals, as for a .env edit. A person confirms a risk change by
    /// retyping its market, or "warren-auto" when the risky proposals are of several markets.
    /// </summary>
    private Stakes StakesOf(IReadOnlyList<AdvisorProposal> proposals)
    {
        var risks = proposals.Where(p => p.Param is not null && !p.IsProtected)
            .Select(p => Policy.Risk.Assess(p.Param!, p.PreviousValue, p.NewValue) is { } risk ? risk with { Market = p.Market } : null)
            .OfType<RiskChange>()
            .ToList();
        var mainnet = proposals.Select(MarketOf).OfType<MarketEntry>().Where(m => m.IsMainnet).Select(m => m.DisplayName).Distinct().ToList();
        var markets = risks.Select(r => r.Market).Distinct().ToList();
        return new Stakes(mainnet, risks, markets is [{ } one] ? one : "warren-auto");
    }

    /// <summary>The catalog entry of a proposal's market (its symbol), or null for "every instance".</summary>
    private MarketEntry? MarketOf(AdvisorProposal? proposal)
    {
        try
        {
            return proposal?.Market is { } symbol ? Catalog.Resolve(Market.Parse(symbol)) : null;
        }
        catch (OperatorException)
        {
            return null;
        }
    }

    /// <summary>
    /// The pending proposals from the host's files by the apply script's rule, read only: no command runs,
    /// so no approval and no journal record (as Get-MmHealth's count and tab completion). All of them, where the script's listing stops at 50.
    /// </summary>
    public void ReadPending()
    {
        Flow.Require(HostPreconditions.RequireRepo);
        List<AdvisorProposal> pending;
        try
        {
            pending = PendingProposals.Read(Options.RepoPath).Pending.Select(ToProposal).ToList();
        }
        catch (OperatorException unreadable)
        {
            Context.WriteError(Flow.MaskHostText(unreadable).ToErrorRecord());
            return;
        }

        foreach (var proposal in pending)
        {
            Context.WriteObject(proposal.Shown(), AdvisorProposal.TypeName);
        }

        SayIfNonePending(pending.Count);
    }

    /// <summary>An empty listing is said, on the information stream; the pipeline gets nothing.</summary>
    private void SayIfNonePending(int count)
    {
        if (count == 0)
        {
            Context.WriteHostText("No advisor proposal is pending.");
        }
    }

    /// <summary>The pending proposals, via the listing line, after approval.</summary>
    public void GetPending(string reason)
    {
        var attempt = Flow.NewAttempt(ListAction, null, reason);
        var command = HostCommand.AdvisorListPending(Flow.Options);
        if (Flow.ValidReason(attempt) is null
            || !Flow.Approve(attempt, "pending proposals", command.CommandLine, [command.CommandLine])
            || !attempt.Intend(command.Argv))
        {
            return;
        }

        List<AdvisorProposal> pending;
        try
        {
            pending = ListPending();
        }
        catch (OperatorException unanswered)
        {
            Unanswered(attempt, unanswered);
            return;
        }

        attempt.Succeed(record => record.Detail = $"{pending.Count} pending: {string.Join(", ", pending.Select(p => p.ProposalId))}");
        foreach (var proposal in pending)
        {
            Context.WriteObject(proposal.Shown(), AdvisorProposal.TypeName);
        }

        SayIfNonePending(pending.Count);
    }

    /// <summary>
    /// Applies each id after its own approval, once it is found pending. A proposal the policy refuses
    /// never reaches the apply command; an unknown or no longer pending id is refused with the script's reason.
    /// </summary>
    public void ApproveProposals(IEnumerable<string> texts, string reason)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var ids = new List<ProposalId>();
        foreach (var text in texts.Distinct(StringComparer.Ordinal))
        {
            if (ProposalId.TryParse(text, out var id))
            {
                ids.Add(id!);
                continue;
            }

            Flow.NewAttempt(ApproveOne, null, reason).Refuse(new OperatorException(ErrorIds.InvalidProposalId, ErrorCategory.InvalidArgument, $"'{VisibleText.QuoteName(text, ProposalId.MaxLength)}' is not a proposal id (letters, digits, '_', '.', ':', '-'). Nothing was applied.", text));
        }

        if (ids.Count == 0 || Flow.ValidReason(reason, ApproveOne, null) is not { } valid)
        {
            return;
        }

        List<AdvisorProposal> pending;
        try
        {
            pending = ReadsFilesOnly ? ReadFilesUnlisted().Pending.Select(ToProposal).ToList() : ListPending();
        }
        catch (OperatorException unanswered)
        {
            Unanswered(Flow.NewAttempt(ApproveOne, null, valid), unanswered, ids);
            return;
        }

        foreach (var id in ids)
        {
            Apply(id, pending.FirstOrDefault(p => p.ProposalId == id.Value), valid);
        }
    }

    private void Apply(ProposalId id, AdvisorProposal? proposal, string reason)
    {
        var attempt = Flow.NewAttempt(ApproveOne, proposal?.Market, reason, proposal?.Param);
        if ((proposal is null ? NotPending(id) : PolicyRefusal(proposal)) is { } refusal)
        {
            attempt.Refuse(refusal);
            return;
        }

        var command = HostCommand.AdvisorApprove(Flow.Options, id);
        var line = PlannedLine(command, $"{proposal!.Change} in {proposal.EnvPath}");
        if (!Flow.Approve(attempt, $"{id} ({proposal.Market} {proposal.Param})", line, PlannedCommands(command), stakes: StakesOf([proposal]))
            || !attempt.Intend(command.Argv, intent => intent.Detail = line)
            || !ConfirmPlanned([proposal], files => files.Pending.Where(r => r.Id == id.Value), attempt))
        {
            return;
        }

        ReportApplication(Context.RunHost(command), [proposal], attempt);
    }

    /// <summary>The script's own two reasons for an id it would not select, told apart from its files (read only).</summary>
    private OperatorException NotPending(ProposalId id)
    {
        PendingProposals files;
        try
        {
            files = PendingProposals.Read(Flow.Options.RepoPath);
        }
        catch (OperatorException unreadable)
        {
            return Flow.MaskHostText(unreadable);
        }

        var why = files.Contains(id.Value) ? "proposal_not_pending" : "proposal_id_not_found";
        return new OperatorException(why == "proposal_not_pending" ? ErrorIds.ProposalNotPending : ErrorIds.ProposalNotFound, ErrorCategory.ObjectNotFound, $"Proposal {id} is not pending ({why}). Nothing was applied; list the pending ones with Get-MmAdvisorProposal.", id.Value);
    }

    /// <summary>
    /// warren-auto after approval of exactly the proposals it would apply, decided from the host's files
    /// by the script's own rule. If any of them is one the policy refuses, the whole run is refused: the
    /// allow-listed command cannot skip one.
    /// </summary>
    public void WarrenAuto(string reason)
    {
        if (Flow.ValidReason(reason, WarrenAutoAction, null) is not { } valid)
        {
            return;
        }

        var command = HostCommand.AdvisorWarrenAuto(Flow.Options);
        PendingProposals files;
        try
        {
            files = ReadsFilesOnly ? ReadFilesUnlisted() : ReadPendingFiles();
        }
        catch (OperatorException unanswered)
        {
            Unanswered(Flow.NewAttempt(WarrenAutoAction, null, valid), unanswered);
            return;
        }

        var planned = files.WarrenAuto().Select(ToProposal).ToList();
        if (planned.Select(p => (Proposal: p, Refusal: PolicyRefusal(p))).FirstOrDefault(x => x.Refusal is not null) is ({ } refused, { } refusal))
        {
            Flow.NewAttempt(WarrenAutoAction, refused.Market, valid, refused.Param).Refuse(new OperatorException(refusal.ErrorId, refusal.Category, $"{refusal.Message} warren-auto would apply it with the others, so nothing is run.", refused, refusal), Halt.Command);
        }

        var attempt = Flow.NewAttempt(WarrenAutoAction, null, valid);
        if (planned.Count == 0)
        {
            Context.WriteWarning("No pending proposal is eligible for warren-auto (deadman, high confidence, escalation target warren, guardrail passed, not rejected). Nothing was run.");
            if (!Flow.IsWhatIf)
            {
                attempt.NoChange(record => record.Detail = "nothing eligible; not run");
            }

            return;
        }

        var list = string.Join("; ", planned.Select(p => $"{p.ProposalId}: {p.Change} in {Path.GetFileName(p.EnvPath)}"));
        var line = PlannedLine(command, $"applies {planned.Count}, in this order: {list}");
        if (!Flow.Approve(attempt, $"{planned.Count} proposal(s)", line, PlannedCommands(command), stakes: StakesOf(planned))
            || !attempt.Intend(command.Argv, intent => intent.Detail = line)
            || !ConfirmPlanned(planned, pending => pending.WarrenAuto(), attempt))
        {
            return;
        }

        ReportApplication(Context.RunHost(command), planned, attempt);
    }
}
