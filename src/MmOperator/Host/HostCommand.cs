using System.Text;
using MmOperator.Advisor;
using MmOperator.Options;

namespace MmOperator.Host;

/// <summary>The runbook's whitelisted command lines, and nothing else.</summary>
public enum HostCommandShape
{
    MmctlStatusAll,
    MmctlStatusMarket,
    MmctlStart,
    MmctlStop,
    MmctlRestart,
    AdvisorSubmit,
    AdvisorListPending,
    AdvisorApprove,
    AdvisorWarrenAuto,
    SystemLog,
}

/// <summary>
/// One allow-listed command line as an argument array. The only way to make one is a factory below,
/// each taking values that were already validated (a catalog <see cref="MarketEntry"/>, a
/// <see cref="ProposalId"/>), so no free text can reach a process.
/// </summary>
public sealed class HostCommand
{
    private HostCommand(HostCommandShape shape, string executable, IReadOnlyList<string> arguments, string workingDirectory, MarketEntry? market)
    {
        Shape = shape;
        Executable = executable;
        Arguments = arguments;
        WorkingDirectory = workingDirectory;
        Market = market;
    }

    public HostCommandShape Shape { get; }

    public string Executable { get; }

    public IReadOnlyList<string> Arguments { get; }

    public string WorkingDirectory { get; }

    /// <summary>The market the command acts on, for the mmctl shapes that take one.</summary>
    public MarketEntry? Market { get; }

    /// <summary>The exact argv, executable first, as recorded in plans and the audit journal.</summary>
    public IReadOnlyList<string> Argv => [Executable, .. Arguments];

    /// <summary>The command line as a person would type it in a POSIX shell (display only; nothing ever runs a shell).</summary>
    public string CommandLine => ToCommandLine(Argv);

    /// <summary>An argv as one POSIX-shell-quoted line, the form plans and reports show.</summary>
    public static string ToCommandLine(IEnumerable<string> argv) => string.Join(' ', argv.Select(Quote));

    public static HostCommand MmctlStatus(OperatorOptions options) =>
        Mmctl(options, HostCommandShape.MmctlStatusAll, null, "status", "--json");

    public static HostCommand MmctlStatus(OperatorOptions options, MarketEntry market) =>
        Mmctl(options, HostCommandShape.MmctlStatusMarket, market, "status", market.MmctlArgument, "--json");

    public static HostCommand MmctlStart(OperatorOptions options, MarketEntry market) =>
        Mmctl(options, HostCommandShape.MmctlStart, market, "start", market.MmctlArgument, "--json");

    public static HostCommand MmctlStop(OperatorOptions options, MarketEntry market) =>
        Mmctl(options, HostCommandShape.MmctlStop, market, "stop", market.MmctlArgument, "--json");

    public static HostCommand MmctlRestart(OperatorOptions options, MarketEntry market) =>
        Mmctl(options, HostCommandShape.MmctlRestart, market, "restart", market.MmctlArgument, "--json");

    /// <summary>The submit line; <paramref name="inputJsonl"/> must be an absolute path to an existing regular file.</summary>
    public static HostCommand AdvisorSubmit(OperatorOptions options, string inputJsonl)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(inputJsonl);
        if (!Path.IsPathFullyQualified(inputJsonl) || inputJsonl.Any(char.IsControl) || !File.Exists(inputJsonl))
        {
            throw new ArgumentException("The proposals file must be an absolute path to an existing file.", nameof(inputJsonl));
        }

        return Advisor(options, HostCommandShape.AdvisorSubmit, "mm_advisor_submit.py", "--input-jsonl", inputJsonl, "--json");
    }

    /// <summary>The submit line as a Plan shows it and a ticket binds it: the temporary file's random name is left out.</summary>
    public static string AdvisorSubmitPlanLine(OperatorOptions options) =>
        Advisor(options, HostCommandShape.AdvisorSubmit, "mm_advisor_submit.py", "--input-jsonl", "<private temporary file>", "--json").CommandLine;

    public static HostCommand AdvisorListPending(OperatorOptions options) =>
        Advisor(options, HostCommandShape.AdvisorListPending, "mm_advisor_apply.py", "--list-pending", "--json");

    public static HostCommand AdvisorApprove(OperatorOptions options, ProposalId proposalId)
    {
        ArgumentNullException.ThrowIfNull(proposalId);
        return Advisor(options, HostCommandShape.AdvisorApprove, "mm_advisor_apply.py", "--proposal-id", proposalId.Value, "--approve", "--json");
    }

    public static HostCommand AdvisorWarrenAuto(OperatorOptions options) =>
        Advisor(options, HostCommandShape.AdvisorWarrenAuto, "mm_advisor_apply.py", "--mode", "warren-auto", "--approve", "--json");

    /// <summary>Where util-linux installs logger; the first that exists is used.</summary>
    private static readonly string[] LoggerPaths = ["/usr/bin/logger", "/bin/logger"];

    /// <summary>
    /// logger, writing one journal record to the system log (as the journal writes it: one line of JSON,
    /// control characters escaped): for a person's stop the audit journal could not take. It reports a
    /// socket it cannot reach (--socket-errors=on), so a failure is known.
    /// </summary>
    public static HostCommand SystemLog(OperatorOptions options, Audit.AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(record);
        var line = Audit.AuditJournal.Serialize(record);
        var size = Audit.AuditJournal.MaxRecordBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var logger = LoggerPaths.FirstOrDefault(File.Exists) ?? LoggerPaths[0];
        string[] arguments = ["--socket-errors=on", "--socket", options.SystemLogSocketPath, "--tag", "mmoperator", $"--id={Environment.ProcessId}", "--priority", "user.crit", "--size", size, "--", line];
        return new HostCommand(HostCommandShape.SystemLog, logger, arguments, "/", null);
    }

    private static HostCommand Mmctl(OperatorOptions options, HostCommandShape shape, MarketEntry? market, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new HostCommand(shape, options.MmctlPath, arguments, options.RepoPath, market);
    }

    private static HostCommand Advisor(OperatorOptions options, HostCommandShape shape, string script, params string[] tail)
    {
        ArgumentNullException.ThrowIfNull(options);
        string[] arguments = [Path.Combine(options.RepoPath, "scripts", script), "--repo", options.RepoPath, .. tail];
        return new HostCommand(shape, options.PythonPath, arguments, options.RepoPath, null);
    }

    private static string Quote(string argument)
    {
        if (argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@%+,".Contains(c, StringComparison.Ordinal)))
        {
            return argument;
        }

        var quoted = new StringBuilder("'");
        quoted.Append(argument.Replace("'", "'\\''", StringComparison.Ordinal));
        return quoted.Append('\'').ToString();
    }

    public override string ToString() => CommandLine;
}
