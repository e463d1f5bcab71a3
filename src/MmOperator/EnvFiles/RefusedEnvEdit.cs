namespace MmOperator.EnvFiles;

/// <summary>
/// The TargetObject of a refused .env edit: which market, file and key it was for, so a refused row of
/// a campaign (a CSV piped into Set-MmEnvParam) can be found and fixed without re-reading the input.
/// </summary>
public sealed record RefusedEnvEdit(string? Market, string File, string Key)
{
    public override string ToString() => $"{Key} in {File}";
}
