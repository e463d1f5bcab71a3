namespace MmOperator.Host;

// The JSON mmctl prints, field for field (host contract). Required members make a missing field an
// unusable answer instead of a silent default.

/// <summary><c>mmctl status [&lt;m&gt;] --json</c>.</summary>
public sealed class MmctlStatusReport
{
    public required string GeneratedAt { get; init; }

    public required IReadOnlyList<MmctlInstance> Instances { get; init; }
}

/// <summary>One instance of a status report; pid, market and env are null for a market never started.</summary>
public sealed class MmctlInstance
{
    public required string ControllerId { get; init; }

    public required string Status { get; init; }

    public required int? Pid { get; init; }

    public required string? Market { get; init; }

    public required string? Env { get; init; }

    public string? Log { get; init; }
}

/// <summary><c>mmctl start &lt;m&gt; --json</c>: started or already_running (an error is reported as such).</summary>
public sealed class MmctlStartResult
{
    public required string Status { get; init; }

    public int? Pid { get; init; }

    public string? Market { get; init; }

    public string? Env { get; init; }

    public string? Log { get; init; }

    public string? Error { get; init; }
}

/// <summary><c>mmctl stop &lt;m&gt; --json</c>: stopped (pid, log) or not_running (env).</summary>
public sealed class MmctlStopResult
{
    public required string Status { get; init; }

    public int? Pid { get; init; }

    public string? Log { get; init; }

    public string? Env { get; init; }

    public string? Error { get; init; }
}

/// <summary><c>mmctl restart &lt;m&gt; --json</c>: it worked only if <c>start.status</c> is <c>started</c>.</summary>
public sealed class MmctlRestartResult
{
    public required MmctlStopResult Stop { get; init; }

    public required MmctlStartResult Start { get; init; }
}
