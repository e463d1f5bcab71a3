using MmOperator.Reporting;
using MmOperator.Security;

namespace MmOperator.EnvFiles;

/// <summary>
/// The refusals for keys a .env edit may not touch (runbook guardrails), as <see cref="KeyRules"/>
/// decides them: MM_ keys of A-Z, 0-9 and '_' only, never a protected or secret-like key, and other
/// keys only when a person explicitly allows them, never one that changes how a process loads code. Look-alikes are refused, never normalised into a key.
/// </summary>
public static class EnvKeyPolicy
{
    public const int MaxLength = KeyRules.MaxLength;

    /// <summary>The key, unchanged, when it may be edited; otherwise the refusal. Never echoes a value.</summary>
    public static string Check(string? key, bool allowNonMmKey, KeyRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var text = key ?? string.Empty;
        var shown = VisibleText.QuoteName(text, MaxLength);

        // Protected first, whatever else is wrong or allowed: a look-alike of a protected key is reported as one.
        return rules.Verdict(text, allowNonMmKey) switch
        {
            KeyVerdict.Protected => throw new OperatorException(ErrorIds.ProtectedKey, ErrorCategory.PermissionDenied, $"protected_key: '{shown}' is a protected or secret-like key; the runbook never lets it be changed here, with any option. A change to credentials goes to a human.", shown),
            KeyVerdict.HumanOnly => throw new OperatorException(ErrorIds.HumanOnlyKey, ErrorCategory.PermissionDenied, $"'{shown}' is refused: {HumanOnlyWhy(text)}, so only a human changes it, on the host and outside this module, with any option. Ask the operator on duty; nothing was changed.", shown),
            KeyVerdict.Loader => throw new OperatorException(ErrorIds.LoaderKeyRefused, ErrorCategory.PermissionDenied, $"'{shown}' is refused: it changes how a program loads code or what it trusts (the dynamic loader, a shell, an interpreter, locale or TLS files), and mmctl reads the .env files into the bot's environment, so it is never written there, with any option. Nothing was changed; if the bot needs it, a human sets it on the host outside the .env files.", shown),
            KeyVerdict.Invalid => throw new OperatorException(ErrorIds.InvalidEnvKey, ErrorCategory.InvalidArgument, $"Key '{shown}' is refused: keys are upper-case ASCII letters, digits and '_' (the host's ^[A-Z_][A-Z0-9_]*$), at most {MaxLength} characters. Nothing is normalised for you.", shown),
            KeyVerdict.NonMm => throw new OperatorException(ErrorIds.NonMmKeyRefused, ErrorCategory.PermissionDenied, $"Key '{shown}' is not an MM_ key. The runbook allows other keys only when a human explicitly asks: add -AllowNonMmKey if one did.", shown),
            _ => text,
        };
    }

    /// <summary>Why a human-only key is one, in the words a refusal uses.</summary>
    public static string HumanOnlyWhy(string key) => KeyRules.HumanOnlyKey(key) == "MM_ENVIRONMENT"
        ? "MM_ENVIRONMENT chooses testnet or mainnet, and mainnet means real money"
        : "MM_MARKET_NAME decides what a market file trades";
}
