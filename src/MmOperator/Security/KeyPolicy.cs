namespace MmOperator.Security;

/// <summary>
/// The runbook's protected-key rule: the five named keys, the repo's protected_keys.json,
/// and any secret-like name. One place answers "may this key's value be shown or changed".
/// </summary>
public static class KeyPolicy
{
    public static readonly IReadOnlyList<string> ProtectedKeys =
        ["MM_API_KEY", "MM_STARK_PRIVATE_KEY", "MM_STARK_PUBLIC_KEY", "MM_VAULT_ID", "MM_BUILDER_ID"];

    /// <summary>The runbook's secret-like markers, and the same secrets spelled otherwise (MM_APIKEY, a password, a token).</summary>
    public static readonly IReadOnlyList<string> SecretMarkers =
        ["PRIVATE_KEY", "PRIVATEKEY", "_SECRET", "PASSPHRASE", "MNEMONIC", "_API_KEY", "APIKEY", "PASSWORD", "PASSWD", "TOKEN"];

    /// <summary>True for a protected or secret-like key. Markers match case-insensitively, so look-alikes stay covered.</summary>
    public static bool IsProtected(string key, IEnumerable<string>? extraProtected = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var upper = key.ToUpperInvariant();
        if (ProtectedKeys.Contains(upper, StringComparer.Ordinal))
        {
            return true;
        }

        if (extraProtected is not null && extraProtected.Contains(upper, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        return SecretMarkers.Any(marker => upper.Contains(marker, StringComparison.Ordinal));
    }

    /// <summary>
    /// Keys no operator command or advisor proposal may change: MM_ENVIRONMENT (mainnet means real
    /// money) and MM_MARKET_NAME (it changes what a file trades). Such a change goes to a human.
    /// </summary>
    public static readonly IReadOnlyList<string> HumanOnlyKeys = ["MM_ENVIRONMENT", "MM_MARKET_NAME"];

    /// <summary>True for a key whose change only a human may make, whatever the approval.</summary>
    public static bool IsHumanOnly(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return HumanOnlyKeys.Contains(key.Trim().ToUpperInvariant(), StringComparer.Ordinal);
    }
}
