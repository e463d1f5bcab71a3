using System.Management.Automation;
using MmOperator.Advisor;
using MmOperator.Flow;
using MmOperator.Errors;
using MmOperator.Host;
using MmOperator.Reporting;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Applies pending advisor proposals by id with mm_advisor_apply.py --proposal-id &lt;id&gt; --approve, each after its own approval.</para>
/// Each id is looked up in the pending list first (part of the same operation; a full list is
/// completed from the host's files). In a restricted session the Plan is made from the host's files
/// and the listing runs only under the ticket, which covers it (shown in the Plan). A proposal that is protected or secret-like, that changes a key
/// only a human may change, or that would blank its key never reaches the apply command; an unknown
/// or no longer pending id is refused with the script's reason.
/// </summary>
[Cmdlet(VerbsLifecycle.Approve, "MmAdvisorProposal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ProposalApplication))]
public sealed class ApproveMmAdvisorProposalCommand : StateChangeCmdlet
{
    private AdvisorFlow? _advisory;

    private AdvisorFlow Advisory => _advisory ??= new AdvisorFlow(Flow);

    protected override void BeginProcessing() => Advisory.Prepare();

    private readonly List<string> _ids = [];

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string[] ProposalId { get; set; } = [];

    protected override void ProcessRecord() => _ids.AddRange(ProposalId);

    protected override void EndProcessing()
    {
        var ids = new List<ProposalId>();
        foreach (var text in _ids.Distinct(StringComparer.Ordinal))
        {
            if (Advisor.ProposalId.TryParse(text, out var id))
            {
                ids.Add(id!);
                continue;
            }

            var refusal = new OperatorException(ErrorIds.InvalidProposalId, ErrorCategory.InvalidArgument, $"'{Markets.MarketCatalog.Printable(text)}' is not a proposal id (letters, digits, '_', '.', ':', '-'). Nothing was applied.", text);
            Flow.Refuse(refusal, "advisor_approve", null, Reason);
        }

        if (ids.Count == 0 || Flow.ValidReason(Reason, "advisor_approve", null) is not { } reason)
        {
            return;
        }

        // A restricted session plans from the files alone, so there -WhatIf shows the very Plan its ticket binds.
        if (Flow.IsWhatIf && !Flow.IsRestricted)
        {
            ids.ForEach(id => Flow.WritePlan(HostCommand.AdvisorApprove(Session.Options, id).CommandLine, reason, needsApproval: true));
            return;
        }

        var pending = Flow.IsRestricted ? Advisory.ReadFilesUnlisted()?.Pending.Select(Advisory.ToProposal).ToList() : Advisory.ListPending();
        if (pending is null)
        {
            return;
        }

        foreach (var id in ids)
        {
            Apply(id, pending.FirstOrDefault(p => p.ProposalId == id.Value), reason);
        }
    }

    private void Apply(ProposalId id, AdvisorProposal? proposal, string reason)
    {
        if (proposal is null)
        {
            Refuse(NotPending(id), null, reason);
            return;
        }

        if (Advisory.PolicyRefusal(proposal) is { } refusal)
        {
            Refuse(refusal, proposal, reason);
            return;
        }

        var command = HostCommand.AdvisorApprove(Session.Options, id);
        var line = Advisory.PlannedLine(command, $"{Session.Masker.Apply(proposal.Change)} in {proposal.EnvPath}");
        if (Flow.Approve("advisor_approve", $"{id} ({proposal.Market} {proposal.Param})", reason, line, Advisory.PlannedCommands(command), proposal.Param) is not { } approval
            || !Advisory.ConfirmPlanned([proposal], files => files.Pending.Where(r => r.Id == id.Value), "advisor_approve", reason, approval))
        {
            return;
        }

        Flow.RequireJournal();
        Advisory.ReportApplication(command, Session.RunHost(command), [proposal], "advisor_approve", reason, approval);
    }

    private void Refuse(OperatorException refusal, AdvisorProposal? proposal, string reason) =>
        Flow.Refuse(refusal, "advisor_approve", proposal?.Market, reason, proposal?.Param);

    /// <summary>The script's own two reasons for an id it would not select, told apart from its files (read only).</summary>
    private OperatorException NotPending(ProposalId id)
    {
        PendingProposals files;
        try
        {
            files = PendingProposals.Read(Session.Options.RepoPath);
        }
        catch (OperatorException unreadable)
        {
            return Flow.MaskHostText(unreadable);
        }

        var why = files.Contains(id.Value) ? "proposal_not_pending" : "proposal_id_not_found";
        return new OperatorException(why == "proposal_not_pending" ? ErrorIds.ProposalNotPending : ErrorIds.ProposalNotFound, ErrorCategory.ObjectNotFound, $"Proposal {id} is not pending ({why}). Nothing was applied; list the pending ones with Get-MmAdvisorProposal.", id.Value);
    }
}
