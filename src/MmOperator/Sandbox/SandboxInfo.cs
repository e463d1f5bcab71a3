namespace MmOperator.Sandbox;

/// <summary>
/// A stand-in host made by New-MmSandbox (PSTypeName MmOperator.Sandbox). Its path properties carry the
/// option names, so it pipes straight into Set-MmOperatorOption.
/// </summary>
public sealed class SandboxInfo
{
    public const string TypeName = "MmOperator.Sandbox";

    public required string Path { get; init; }

    public required string MmctlPath { get; init; }

    public required string RepoPath { get; init; }

    public required string PythonPath { get; init; }

    public required string AuditLogPath { get; init; }

    /// <summary>
    /// One JSON line per stand-in run (mmctl and the advisor scripts), written before anything else they do:
    /// <c>&lt;Path&gt;/sandbox/invocations.jsonl</c>, outside the repo.
    /// </summary>
    public required string InvocationLogPath { get; init; }

    public required IReadOnlyList<string> Markets { get; init; }

    public override string ToString() => Path;
}
