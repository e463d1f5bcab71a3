using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using MmOperator.Advisor;
using MmOperator.Audit;
using MmOperator.Errors;
using MmOperator.Flow;
using MmOperator.Host;
using MmOperator.Markets;

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
    private const int MaxFileBytes = 1024 * 1024;
    private readonly List<(ProposalRow Row, string Where)> _rows = [];
    private readonly List<OperatorException> _refusals = [];
    private readonly HashSet<string> _reasons = new(StringComparer.Ordinal);
    private AdvisorFlow? _advisory;

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

    private AdvisorFlow Advisory => _advisory ??= new AdvisorFlow(Flow);

    protected override void BeginProcessing() => Advisory.Prepare();

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ObjectSet)
        {
            var where = NextRow;
            Collect(() => InputObject?.BaseObject is System.Collections.IDictionary table
                ? ProposalRow.FromTable(table, where, Session.Catalog, Advisory.Policy)
                : ProposalRow.Create(Market, Param, Proposed, Reason, Confidence, EscalationTarget, Deadman, where, Session.Catalog, Advisory.Policy), where);
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName == PathSet)
        {
            Session.RefusePathWhenRestricted(Path);
            ReadFile();
        }

        if (ValidReasons() is not { } reason)
        {
            return;
        }

        if (_refusals.Count > 0 || _rows.Count == 0)
        {
            var why = _rows.Count == 0 && _refusals.Count == 0 ? "there are no proposals to submit" : $"{_refusals.Count} row(s) refused";
            // One journal record for the whole submission; the errors are the rows' own, or that there are none.
            var summary = new OperatorException(_refusals.FirstOrDefault()?.ErrorId ?? ErrorIds.InvalidProposalRow, ErrorCategory.InvalidArgument, $"Nothing was submitted: {why}. " + string.Join(" ", _refusals.Select(r => r.Message)));
            var reported = _refusals.Count > 0 ? _refusals : [new OperatorException(ErrorIds.InvalidProposalRow, ErrorCategory.InvalidArgument, "There are no proposals to submit. Nothing was run.")];
            Flow.Refuse(summary, "advisor_submit", null, reason, reported: reported);

            return;
        }

        var line = HostCommand.AdvisorSubmitPlanLine(Session.Options);
        var rows = string.Join("; ", _rows.Select((r, i) => $"{i + 1}: {r.Row.Describe()}"));
        if (Flow.Approve("advisor_submit", $"{_rows.Count} proposal(s)", reason, $"{line} ({_rows.Count} proposal(s): {rows})", [line], values: _rows.Select(r => r.Row.ToJsonLine()).ToList()) is not { } approval)
        {
            return;
        }

        Flow.RequireJournal();
        var file = WritePrivateFile();
        try
        {
            var command = HostCommand.AdvisorSubmit(Session.Options, file);
            Report(command, Session.RunHost(command), reason, approval);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private void Report(HostCommand command, HostRunResult run, string reason, string approval)
    {
        AdvisorSubmitResult result;
        try
        {
            result = HostResultReader.Read<AdvisorSubmitResult>(run);
        }
        catch (HostCommandException failure)
        {
            Flow.Record(new AuditRecord { Action = "advisor_submit", Reason = reason, Approval = approval, Argv = command.Argv, ExitCode = run.ExitCode, Outcome = AuditOutcome.Failed, ErrorId = failure.ErrorId, Detail = failure.Message });
            WriteError(failure.ToErrorRecord());
            return;
        }

        var failures = result.Failures.Select(f => $"{Source(f.Line)}: {f.Error}").ToList();
        var record = Flow.Record(new AuditRecord
        {
            Action = "advisor_submit",
            Key = string.Join(",", _rows.Select(r => r.Row.Param).Distinct()),
            Market = string.Join(",", _rows.Select(r => r.Row.Market).Distinct()),
            Reason = reason,
            Approval = approval,
            Argv = command.Argv,
            ExitCode = run.ExitCode,
            Outcome = result.Ok ? AuditOutcome.Succeeded : AuditOutcome.Failed,
            ErrorId = result.Ok ? null : ErrorIds.AdvisorSubmitRejected,
            Detail = result.Ok ? $"created {string.Join(", ", result.ProposalIds)}" : "nothing written: " + string.Join("; ", failures),
            Result = HostResultReader.ReadObjectOrNull(run),
        });
        var submission = new AdvisorSubmission
        {
            Ok = result.Ok,
            Created = result.Created,
            Written = result.Written,
            ProposalIds = result.ProposalIds,
            Failures = failures,
            ProposalsPath = result.ProposalsPath,
            ExitCode = run.ExitCode,
            Reason = reason,
            Approval = approval,
            AuditId = record?.Id,
        };
        Session.WriteObject(submission, AdvisorSubmission.TypeName);
        if (!result.Ok)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"The submit script wrote nothing (all-or-nothing): {string.Join("; ", failures)}"), ErrorIds.AdvisorSubmitRejected, ErrorCategory.InvalidData, submission));
        }
    }

    /// <summary>Where the script's line N came from: the user's file line or pipeline row.</summary>
    private string Source(int line) => line >= 1 && line <= _rows.Count ? _rows[line - 1].Where : $"line {line}";

    private void ReadFile()
    {
        var path = Session.ResolveUserPath(Path);
        var text = ReadCapped(path);
        if (text is null)
        {
            _refusals.Add(new OperatorException(ErrorIds.InvalidProposalRow, ErrorCategory.InvalidArgument, $"'{MarketCatalog.Printable(path)}' is not a readable proposals file of at most 1 MB. Nothing was submitted.", path));
            return;
        }

        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Trim().Length > 0)
            {
                var where = $"{System.IO.Path.GetFileName(path)} line {number}";
                Collect(() => ProposalRow.FromJson(line, where, Session.Catalog, Advisory.Policy), where);
            }
        }
    }

    /// <summary>The file's text, read no further than the cap (a device such as /dev/zero never ends); null when it is not a readable file within it.</summary>
    private static string? ReadCapped(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[MaxFileBytes + 1];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }

            return total > MaxFileBytes ? null : new UTF8Encoding(false, true).GetString(buffer, 0, total);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>How the next pipeline row is named in refusals.</summary>
    private string NextRow => $"row {_rows.Count + _refusals.Count + 1}";

    private void Collect(Func<ProposalRow> make, string where)
    {
        try
        {
            var row = make();
            _rows.Add((row, where));
            if (row.Reason is { Length: > 0 } note)
            {
                _reasons.Add(note);
            }
        }
        catch (OperatorException refusal)
        {
            _refusals.Add(refusal);
        }
    }

    /// <summary>The approval reason: -Reason, or the rows' own reasons when they came from the pipeline.</summary>
    private string? ValidReasons()
    {
        if (ParameterSetName == ObjectSet && _reasons.Count > 0)
        {
            Reason = string.Join("; ", _reasons);
        }

        return Flow.ValidReason(Reason, "advisor_submit", null);
    }

    private string WritePrivateFile()
    {
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mmoperator-proposals-{Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant()}.jsonl");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using var stream = new FileStream(file, options);
        stream.Write(Encoding.UTF8.GetBytes(string.Join("\n", _rows.Select(r => r.Row.ToJsonLine())) + "\n"));
        return file;
    }
}
