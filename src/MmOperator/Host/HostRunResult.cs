namespace MmOperator.Host;

/// <summary>How far a host command got.</summary>
public enum HostRunStatus
{
    /// <summary>The process ran to its end; see the exit code.</summary>
    Completed,

    /// <summary>The process could not be started at all.</summary>
    NotStarted,

    /// <summary>The configured timeout passed; the process tree was killed.</summary>
    TimedOut,

    /// <summary>The user stopped the pipeline (Ctrl+C); the process tree was killed, or (with a StartError) never started.</summary>
    Cancelled,
}

/// <summary>Everything one run of a host command produced, before anyone interprets it; StartError says why it never ran.</summary>
public sealed record HostRunResult(
    HostCommand Command,
    HostRunStatus Status,
    int? ExitCode,
    string StdOut,
    string StdErr,
    TimeSpan Duration,
    string? StartError = null);
