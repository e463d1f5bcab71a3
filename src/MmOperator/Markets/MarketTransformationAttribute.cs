using System.Collections;
using MmOperator.Status;

namespace MmOperator.Markets;

/// <summary>
/// Binds whatever names a market (a string, a status object, a catalog entry, an env file) to
/// <see cref="Market"/>. It never refuses text: a malformed string becomes a Market carrying its problem,
/// so the cmdlet can refuse it with a stable error id and go on with the other markets of the pipeline.
/// Any other object binds through its Market property (a CSV row, a deserialized status), because a
/// by-value binding through a transformation never falls back to binding by property name.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class MarketTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is null)
        {
            // Left to PowerShell: a mandatory -Market refuses null, an optional one means "not given".
            return null;
        }

        if (value is IEnumerable items and not string)
        {
            return items.Cast<object?>().Select(ToMarket).ToArray();
        }

        return ToMarket(inputData);
    }

    private static Market ToMarket(object? item) => (item is PSObject wrapped ? wrapped.BaseObject : item) switch
    {
        Market market => market,
        MarketEntry entry => Market.Parse(entry.Slug),
        MarketStatus status => Market.Parse(status.Slug),
        FileInfo file => Market.Parse(file.Name),
        string text => Market.Parse(text),
        null => Market.Parse(null),
        var other => PSObject.AsPSObject(item!).Properties["Market"]?.Value is string named
            ? Market.Parse(named)
            : throw new ArgumentTransformationMetadataException($"A {other.GetType().Name} does not name a market; give a market name (eth, ETH-USD or .env.eth) or an object with a Market property."),
    };
}
