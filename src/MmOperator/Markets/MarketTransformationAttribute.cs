using System.Collections;
using System.Management.Automation;
using MmOperator.Status;

namespace MmOperator.Markets;

/// <summary>
/// Binds whatever names a market (a string, a status object, a catalog entry) to <see cref="Market"/>.
/// It never refuses: a malformed input becomes a Market carrying its problem, so the cmdlet can refuse
/// it with a stable error id and go on with the other markets of the pipeline.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class MarketTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is IEnumerable items and not string)
        {
            return items.Cast<object?>().Select(ToMarket).ToArray();
        }

        return ToMarket(value);
    }

    private static Market ToMarket(object? item) => (item is PSObject wrapped ? wrapped.BaseObject : item) switch
    {
        Market market => market,
        MarketEntry entry => Market.Parse(entry.Slug),
        MarketStatus status => Market.Parse(status.Slug),
        null => Market.Parse(null),
        var other => Market.Parse(other.ToString()),
    };
}
