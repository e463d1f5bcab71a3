using System.Globalization;
using MmOperator.Reporting;
using MmOperator.Security;

namespace MmOperator.Runbook;

/// <summary>
/// A reason goes into the Plan, the prompt and the journal: one printable line, so it cannot forge a
/// Plan line or hide text (no line breaks, control or bidirectional formatting characters), and shown
/// as typed, so it holds no secret-like <c>KEY=value</c> that would have to be masked.
/// </summary>
public static class ReasonPolicy
{
    public const int MaxLength = 500;

    /// <summary>The reason, trimmed, or the refusal; secret-like keys by the given rule (the repo's), else the runbook's.</summary>
    public static string Validate(string? reason, KeyRules? keys = null)
    {
        var text = reason?.Trim() ?? string.Empty;
        string? problem = text.Length == 0 ? "it is empty"
            : text.Length > MaxLength ? $"it is longer than {MaxLength} characters"
            : text.Any(c => char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                ? "it contains line breaks, control or invisible formatting characters"
            : SecretMasker.SecretAssignedKey(text, keys) is { } key ? $"it holds a protected or secret-like KEY=value, which a plan cannot show as typed. Say what happened without '=' or ':' and the value, for example '{VisibleText.QuoteName(key, KeyRules.MaxLength)} rotated'"
                : null;
        if (problem is null)
        {
            return text;
        }

        // The error's target is shown too (its CategoryInfo, $Error): as escaped and masked as its message.
        var shown = SecretMasker.HideAssignments(VisibleText.Quote(text, MaxLength), keys);
        throw new OperatorException(ErrorIds.InvalidReason, ErrorCategory.InvalidArgument, $"The reason '{shown}' is refused: {problem}. Give one printable line that says why, for the plan and the audit journal.", shown);
    }
}
