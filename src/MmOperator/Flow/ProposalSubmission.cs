using System.Security.Cryptography;
using System.Text;
using MmOperator.Advisor;
using MmOperator.Audit;
using MmOperator.EnvFiles;
using MmOperator.Host;
using MmOperator.Reporting;

namespace MmOperator.Flow;

/// <summary>
/// Submit-MmAdvisorProposal on <see cref="AdvisorFlow"/>: every row is checked first (market, protected
/// or secret-like param, value); one refused row means nothing is submitted, and more than
/// <see cref="MaxRows"/> rows are refused whole, at the first row too many. The Plan shows every field
/// of every row; once approved, the rows are written to a private temporary JSONL file (its random name
/// is in no Plan or ticket), submitted in one call of the allow-listed line and the file removed.
/// </summary>
public sealed class ProposalSubmission
{
    /// <summary>The most rows one submission takes: what one command can add to the host's files is bounded.</summary>
    public const int MaxRows = 1000;

    private const string Action = AuditActions.AdvisorSubmit;
    private const int MaxFileBytes = 1024 * 1024;

    /// <summary>Linux's PATH_MAX: a refused path is quoted up to it.</summary>
    private const int MaxPathLength = 4096;
    private readonly List<(ProposalRow Row, string Where)> _rows = [];
    private readonly List<OperatorException> _refusals = [];
    private readonly HashSet<string> _reasons = new(StringComparer.Ordinal);
    private readonly AdvisorFlow _advisor;

    public ProposalSubmission(AdvisorFlow advisor)
    {
        ArgumentNullException.ThrowIfNull(advisor);
        _advisor = advisor;
    }

    private RunbookFlow Flow => _advisor.Flow;

    private IFlowContext Context => Flow.Context;

    /// <summary>mmctl, python, the journal and the repo's policy must be there before anything is asked.</summary>
    public void Prepare() => _advisor.Prepare();

    /// <summary>Submits the collected rows in one call after approval; one refused row (or none at all) means nothing is submitted.</summary>
    /// <param name="rowReasons">Use the rows' own reasons, when they gave any, instead of <paramref name="requested"/>.</param>
    public void Submit(string requested, bool rowReasons)
    {
        var attempt = Flow.NewAttempt(Action, null, rowReasons && _reasons.Count > 0 ? string.Join("; ", _reasons) : requested);
        if (Flow.ValidReason(attempt) is null)
        {
            return;
        }

        if (_refusals.Count > 0 || _rows.Count == 0)
        {
            var why = _refusals.Count == 0 ? "there are no proposals to submit" : Tally().Describe("row(s) were");
            // One journal record for the whole submission, as long for 1,000 refused rows as for one; the errors are the rows' own, or that there are none.
            var summary = new OperatorException(_refusals.FirstOrDefault()?.ErrorId ?? ErrorIds.InvalidProposalRow, ErrorCategory.InvalidArgument, $"Nothing was submitted: {why}");
            var reported = _refusals.Count > 0 ? _refusals : [new OperatorException(ErrorIds.InvalidProposalRow, ErrorCategory.InvalidArgument, "There are no proposals to submit. Nothing was run.")];
            attempt.Refuse(summary, reported: reported);
            return;
        }

        var line = HostCommand.AdvisorSubmitPlanLine(Flow.Options);
        var planned = $"{line} ({_rows.Count} proposal(s): {string.Join("; ", _rows.Select((r, i) => $"{i + 1}: {r.Row.Describe()}"))})";
        var mainnet = Context.Catalog.Markets.Where(m => m.IsMainnet && _rows.Any(r => r.Row.Market == m.DisplayName)).Select(m => m.DisplayName).ToList();
        if (!Flow.Approve(attempt, $"{_rows.Count} proposal(s)", planned, [line], values: _rows.Select(r => r.Row.ToJsonLine()).ToList(), stakes: new Stakes(mainnet, [], string.Empty))
            || !attempt.Intend(null, intent => intent.Detail = planned))
        {
            return;
        }

        var file = WritePrivateFile();
        try
        {
            var command = HostCommand.AdvisorSubmit(Flow.Options, file);
            Report(command, Context.RunHost(command), attempt);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private void Report(HostCommand command, HostRunResult run, Attempt attempt)
    {
        AdvisorSubmitResult result;
        try
        {
            result = HostResultReader.Read<AdvisorSubmitResult>(run);
        }
        catch (HostCommandException failure)
        {
            attempt.Fail(failure, record => (record.Argv, record.ExitCode) = (command.Argv, run.ExitCode));
            return;
        }

        var failures = result.Failures.Select(f => $"{Source(f.Line)}: {f.Error}").ToList();
        attempt.End(
            result.Ok ? AuditOutcome.Succeeded : AuditOutcome.Failed,
            record =>
            {
                record.Key = string.Join(",", _rows.Select(r => r.Row.Param).Distinct());
                record.Market = string.Join(",", _rows.Select(r => r.Row.Market).Distinct());
                record.Argv = command.Argv;
                record.ExitCode = run.ExitCode;
                record.Detail = result.Ok ? $"created {string.Join(", ", result.ProposalIds)}" : "nothing written: " + string.Join("; ", failures);
                record.Result = HostResultReader.ReadObjectOrNull(run);
            },
            auditId => new Output(
                new AdvisorSubmission
                {
                    Ok = result.Ok,
                    Created = result.Created,
                    Written = result.Written,
                    ProposalIds = result.ProposalIds,
                    Failures = failures,
                    ProposalsPath = result.ProposalsPath,
                    ExitCode = run.ExitCode,
                    Reason = attempt.Reason!,
                    Approval = attempt.ApprovalText,
                    AuditId = auditId,
                },
                AdvisorSubmission.TypeName),
            result.Ok ? [] : [new OperatorException(ErrorIds.AdvisorSubmitRejected, ErrorCategory.InvalidData, $"The submit script wrote nothing (all-or-nothing): {string.Join("; ", failures)}")]);
    }

    private RefusalTally Tally()
    {
        // Rows have no one target: the record says how many of each error, and the first in full.
        var tally = new RefusalTally(_refusals[0], null);
        _refusals.Skip(1).ToList().ForEach(refusal => tally.Add(refusal, null));
        return tally;
    }

    /// <summary>Where the script's line N came from: the user's file line or pipeline row.</summary>
    private string Source(int line) => line >= 1 && line <= _rows.Count ? _rows[line - 1].Where : $"line {line}";

    /// <summary>Collects the rows of a JSONL file (a path already resolved the way the user meant it).</summary>
    public void ReadFile(string path)
    {
        var text = ReadCapped(path);
        if (text is null)
        {
            _refusals.Add(new OperatorException(ErrorIds.InvalidProposalRow, ErrorCategory.InvalidArgument, $"'{VisibleText.Quote(path, MaxPathLength)}' is not a readable proposals file of at most 1 MB. Nothing was submitted.", path));
            return;
        }

        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Trim().Length > 0)
            {
                var where = $"{System.IO.Path.GetFileName(path)} line {number}";
                Collect(where, (at, catalog, policy) => ProposalRow.FromJson(line, at, catalog, policy));
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

    /// <summary>Checks and keeps the next pipeline row, named by its place; a refused row is kept as its refusal.</summary>
    public void Collect(Func<string, MarketCatalog, RepoPolicy, ProposalRow> make) => Collect($"row {_rows.Count + _refusals.Count + 1}", make);

    private void Collect(string where, Func<string, MarketCatalog, RepoPolicy, ProposalRow> make)
    {
        if (_rows.Count + _refusals.Count == MaxRows)
        {
            var limit = new OperatorException(ErrorIds.ProposalRowLimit, ErrorCategory.LimitsExceeded, $"Submit-MmAdvisorProposal takes at most {MaxRows} rows in one submission, and {where} is one more. Nothing was submitted. Split the rows into submissions of at most {MaxRows}.", where);
            Flow.NewAttempt(Action, null, null).Refuse(limit, Halt.Command);
        }

        try
        {
            var row = make(where, Context.Catalog, _advisor.Policy);
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

    private string WritePrivateFile()
    {
        var file = System.IO.Path.Combine(Context.Caller.TempPath, $"mmoperator-proposals-{Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant()}.jsonl");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using var stream = new FileStream(file, options);
        stream.Write(Encoding.UTF8.GetBytes(string.Join("\n", _rows.Select(r => r.Row.ToJsonLine())) + "\n"));
        return file;
    }
}
