namespace MmOperator.EnvFiles;

/// <summary>
/// The TargetObject of a refused .env edit: which market, file and key it was for, so a refused row of
/// a campaign (a CSV piped into Set-MmEnvParam) can be found and fixed without re-reading the input.
/// </summary>
/// <param name="NewValue">The value refused for an accepted key, escaped as its message quotes it; null when the key itself was refused.</param>
public sealed record RefusedEnvEdit(string? Market, string File, string Key, string? NewValue = null)
{
    public override string ToString() => $"{Key} in {File}";
}
