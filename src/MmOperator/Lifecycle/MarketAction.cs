using MmOperator.Host;
using MmOperator.Options;

namespace MmOperator.Lifecycle;

/// <summary>The state-changing mmctl actions of the runbook; each needs approval.</summary>
[Newtonsoft.Json.JsonConverter(typeof(Newtonsoft.Json.Converters.StringEnumConverter))]
public enum MarketAction
{
    Start,
    Stop,
    Restart,
}

[Newtonsoft.Json.JsonConverter(typeof(Newtonsoft.Json.Converters.StringEnumConverter))]
public enum ActionOutcome
{
    Succeeded,
    NoChange,
    Failed,

    /// <summary>Never run: Ctrl+C came before its turn, so nothing was done to the market.</summary>
    Cancelled,
}

public static class MarketActions
{
    public static HostCommand Command(MarketAction action, OperatorOptions options, MarketEntry market) => action switch
    {
        MarketAction.Start => HostCommand.MmctlStart(options, market),
        MarketAction.Stop => HostCommand.MmctlStop(options, market),
        MarketAction.Restart => HostCommand.MmctlRestart(options, market),
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    /// <summary>The runbook's lower-case action name, as in the journal and Invoke-MmAction.</summary>
    public static string Name(this MarketAction action) => action.ToString().ToLowerInvariant();

    /// <summary>What a done action did to a market, for progress text (2 of 4 stopped).</summary>
    public static string PastTense(this MarketAction action) => action switch
    {
        MarketAction.Start => "started",
        MarketAction.Stop => "stopped",
        _ => "restarted",
    };
}
