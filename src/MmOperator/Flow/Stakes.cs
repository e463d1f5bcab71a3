using MmOperator.EnvFiles;
using MmOperator.Reporting;

namespace MmOperator.Flow;

/// <summary>
/// What a Plan must name beyond its action, and what approving it takes: real money (markets whose
/// MM_ENVIRONMENT is mainnet) and risk changes, which need a second, explicit confirmation: -Force from
/// a script, or <see cref="ConfirmName"/> retyped by a person at the prompt.
/// </summary>
/// <param name="ConfirmName">What a person retypes to confirm a risk change: the market (or .env).</param>
public sealed record Stakes(IReadOnlyList<string> MainnetMarkets, IReadOnlyList<RiskChange> Risks, string ConfirmName)
{
    public static readonly Stakes None = new([], [], string.Empty);

    /// <summary>A market action's stakes: real money or not.</summary>
    public static Stakes Of(MarketEntry? market) => market is { IsMainnet: true } ? new([market.DisplayName], [], market.DisplayName) : None;

    public bool IsRisky => Risks.Count > 0;

    /// <summary>The Plan's flag lines: the environment when it is mainnet, then each risk change.</summary>
    public IEnumerable<string> Flags
    {
        get
        {
            if (MainnetMarkets.Count == 1 && MainnetMarkets[0] == ConfirmName)
            {
                yield return RunbookText.Mainnet;
            }
            else if (MainnetMarkets.Count > 0)
            {
                yield return $"{RunbookText.Mainnet}: {string.Join(", ", MainnetMarkets)}";
            }

            foreach (var risk in Risks)
            {
                yield return risk.Flag;
            }
        }
    }

    /// <summary>What the risk changes are, in one phrase for a refusal or a prompt.</summary>
    public string RiskSummary => string.Join("; ", Risks.Select(r => r.Flag));
}
