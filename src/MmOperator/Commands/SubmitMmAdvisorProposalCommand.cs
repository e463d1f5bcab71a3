using MmOperator.Advisor;
using MmOperator.Flow;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Submits advisor proposals with mm_advisor_submit.py, after approval, from a JSONL file or from objects.</para>
/// Every row is checked first (market, protected or secret-like param, value); one refused row means nothing is submitted.
/// The Plan shows every field of every row; once approved, the rows are written to a private temporary
/// JSONL file (its random name is in no Plan or ticket), submitted in one call and the file removed.
/// </summary>
[Cmdlet(VerbsLifecycle.Submit, "MmAdvisorProposal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(AdvisorSubmission))]
public sealed class SubmitMmAdvisorProposalCommand : StateChangeCmdlet
{
    private const string ObjectSet = "Objects";
    private const string PathSet = "Path";
    private ProposalSubmission? _submission;

    /// <summary>A JSONL file of proposals (market, param, proposed, reason, confidence, escalation_target, deadman).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>
    /// A piped row: an object whose properties bind to the parameters below, or a hashtable keyed by
    /// their names, which is what a ConstrainedLanguage session (the agent's) can build. The row
    /// fields are not mandatory to PowerShell, so a hashtable binds; each row is checked in full.
    /// </summary>
    [Parameter(ParameterSetName = ObjectSet, ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    [Parameter(ParameterSetName = ObjectSet, ValueFromPipelineByPropertyName = true)]
    public string? Market { get; set; }

    [Parameter(ParameterSetName = ObjectSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Key", "Name")]
    public string? Param { get; set; }

    [Parameter(ParameterSetName = ObjectSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Value")]
    public string? Proposed { get; set; }

    /// <summary>low, medium (default) or high.</summary>
    [Parameter(ParameterSetName = ObjectSet, ValueFromPipelineByPropertyName = true)]
    public string? Confidence { get; set; }

    /// <summary>human (default) or warren.</summary>
    [Parameter(ParameterSetName = ObjectSet, ValueFromPipelineByPropertyName = true)]
    public string? EscalationTarget { get; set; }

    /// <summary>true or false (default).</summary>
    [Parameter(ParameterSetName = ObjectSet, ValueFromPipelineByPropertyName = true)]
    public string? Deadman { get; set; }

    private ProposalSubmission Submission => _submission ??= new ProposalSubmission(Advisor);

    protected override void BeginProcessing() => Submission.Prepare();

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ObjectSet)
        {
            Submission.Collect((where, catalog, policy) => InputObject?.BaseObject is System.Collections.IDictionary table
                ? ProposalRow.FromTable(table, where, catalog, policy)
                : ProposalRow.Create(Market, Param, Proposed, Reason, Confidence, EscalationTarget, Deadman, where, catalog, policy));
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName == PathSet)
        {
            Context.RefusePathWhenRestricted(Path);
            Submission.ReadFile(Context.ResolveUserPath(Path));
        }

        // Piped rows carry their own reasons, which approval and the journal then give.
        Submission.Submit(Reason, rowReasons: ParameterSetName == ObjectSet);
    }
}
