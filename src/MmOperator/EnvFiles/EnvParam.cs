namespace MmOperator.EnvFiles;

/// <summary>
/// One key of one .env file as the host reads it (PSTypeName MmOperator.EnvParam). Values of protected
/// and secret-like keys are always masked. Market, Shared and Key pipe by name into Set-/Remove-MmEnvParam.
/// </summary>
public sealed class EnvParam
{
    public const string TypeName = "MmOperator.EnvParam";

    public required string File { get; init; }

    /// <summary>The market's symbol; null for the shared .env.</summary>
    public string? Market { get; init; }

    public bool Shared { get; init; }

    public required string Key { get; init; }

    public required string Value { get; init; }

    /// <summary>The line the host's value comes from (the last copy).</summary>
    public int Line { get; init; }

    /// <summary>How many lines set the key; the host reads the last.</summary>
    public int Occurrences { get; init; }

    public bool IsProtected { get; init; }

    public override string ToString() => $"{Key}={Value}";
}
