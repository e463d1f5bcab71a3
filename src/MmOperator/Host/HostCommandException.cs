namespace MmOperator.Host;

/// <summary>What went wrong running a host command, kept for the error record's TargetObject.</summary>
public sealed record HostFailure(string CommandLine, HostRunStatus Status, int? ExitCode, string StdErr, string StdOut, TimeSpan Duration)
{
    public static HostFailure From(HostRunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new HostFailure(run.Command.CommandLine, run.Status, run.ExitCode, run.StdErr, run.StdOut, run.Duration);
    }
}

/// <summary>A host command that did not give a usable answer. Never a success.</summary>
public sealed class HostCommandException : OperatorException
{
    public HostCommandException(string errorId, ErrorCategory category, string message, HostRunResult run)
        : base(errorId, category, message, HostFailure.From(run))
    {
        Run = run;
    }

    public HostCommandException() : this("Host command failed.") { }

    public HostCommandException(string message) : base(message) { }

    public HostCommandException(string message, Exception inner) : base(message, inner) { }

    public HostRunResult? Run { get; }

    public HostFailure? Failure => Target as HostFailure;
}
