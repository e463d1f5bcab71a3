using System.Globalization;
using System.Management.Automation;
using System.Text;
using System.Text.RegularExpressions;
using MmOperator.Errors;
using MmOperator.Markets;
using MmOperator.Security;

namespace MmOperator.EnvFiles;

/// <summary>
/// Which keys a .env edit may touch (runbook guardrails): MM_ keys of A-Z, 0-9 and '_' only, never a
/// protected or secret-like key, and other keys only when a person explicitly allows them.
/// Look-alikes are refused, never normalised into a key.
/// </summary>
public static partial class EnvKeyPolicy
{
    public const int MaxLength = 128;

    [GeneratedRegex("^[A-Z_][A-Z0-9_]*\\z")]
    private static partial Regex HostKey();

    /// <summary>The key, unchanged, when it may be edited; otherwise the refusal. Never echoes a value.</summary>
    public static string Check(string? key, bool allowNonMmKey, IReadOnlySet<string> extraProtected)
    {
        ArgumentNullException.ThrowIfNull(extraProtected);
        var text = key ?? string.Empty;
        var shown = MarketCatalog.Printable(text);

        // Protected first, whatever else is wrong or allowed: a look-alike of a protected key is reported as one.
        if (IsProtected(text, extraProtected))
        {
            throw new OperatorException(ErrorIds.ProtectedKey, ErrorCategory.PermissionDenied, $"protected_key: '{shown}' is a protected or secret-like key; the runbook never lets it be changed here, with any option. A change to credentials goes to a human.", shown);
        }

        if (KeyPolicy.IsHumanOnly(text))
        {
            throw new OperatorException(ErrorIds.HumanOnlyKey, ErrorCategory.PermissionDenied, $"'{shown}' is refused: {HumanOnlyWhy(text)}, so only a human changes it, on the host and outside this module, with any option. Ask the operator on duty; nothing was changed.", shown);
        }

        if (text.Length == 0 || text.Length > MaxLength || !HostKey().IsMatch(text) || text == "MM_")
        {
            throw new OperatorException(ErrorIds.InvalidEnvKey, ErrorCategory.InvalidArgument, $"Key '{shown}' is refused: keys are upper-case ASCII letters, digits and '_' (the host's ^[A-Z_][A-Z0-9_]*$), at most {MaxLength} characters. Nothing is normalised for you.", shown);
        }

        if (!allowNonMmKey && !text.StartsWith("MM_", StringComparison.Ordinal))
        {
            throw new OperatorException(ErrorIds.NonMmKeyRefused, ErrorCategory.PermissionDenied, $"Key '{shown}' is not an MM_ key. The runbook allows other keys only when a human explicitly asks: add -AllowNonMmKey if one did.", shown);
        }

        return text;
    }

    /// <summary>Why a human-only key is one, in the words a refusal uses.</summary>
    public static string HumanOnlyWhy(string key) => string.Equals(key.Trim(), "MM_ENVIRONMENT", StringComparison.OrdinalIgnoreCase)
        ? "MM_ENVIRONMENT chooses testnet or mainnet, and mainnet means real money"
        : "MM_MARKET_NAME decides what a market file trades";

    /// <summary>Protected or secret-like as given, or once look-alikes are folded (full-width and compatibility forms, invisible characters).</summary>
    public static bool IsProtected(string key, IReadOnlySet<string> extraProtected)
    {
        ArgumentNullException.ThrowIfNull(key);
        var folded = new string(key.Normalize(NormalizationForm.FormKC).Where(c => !char.IsControl(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format).ToArray());
        return KeyPolicy.IsProtected(key, extraProtected) || KeyPolicy.IsProtected(folded, extraProtected);
    }
}
