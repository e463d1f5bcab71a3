using System.Text.RegularExpressions;

namespace MmOperator.Advisor;

/// <summary>An advisor proposal id, checked before it can reach a command line (ids look like ETH_USD-1795677214-manual-MM_SPREAD_MULTIPLIER).</summary>
public sealed partial record ProposalId
{
    private ProposalId(string value) => Value = value;

    /// <summary>The longest id the pattern accepts.</summary>
    public const int MaxLength = 200;

    public string Value { get; }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}\\z")]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out ProposalId? id)
    {
        id = text is not null && Pattern().IsMatch(text) ? new ProposalId(text) : null;
        return id is not null;
    }

    public override string ToString() => Value;
}
