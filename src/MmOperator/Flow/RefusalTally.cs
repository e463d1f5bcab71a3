using MmOperator.Errors;

namespace MmOperator.Flow;

/// <summary>
/// Several refusals as one journal record's text: how many of each error id, then the first in full.
/// The count, not the list, grows with them: 100,000 refused rows make one line of the same size as ten.
/// </summary>
public sealed class RefusalTally
{
    private readonly Dictionary<string, int> _byErrorId = new(StringComparer.Ordinal);

    public RefusalTally(OperatorException first)
    {
        ArgumentNullException.ThrowIfNull(first);
        First = first;
        Add(first);
    }

    public OperatorException First { get; }

    public int Count { get; private set; }

    public void Add(OperatorException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        Count++;
        _byErrorId[refusal.ErrorId] = _byErrorId.GetValueOrDefault(refusal.ErrorId) + 1;
    }

    /// <summary>"3 &lt;what&gt; refused (UnknownMarket x2, InvalidReason x1); the first: ...".</summary>
    public string Describe(string what) =>
        $"{Count} {what} refused ({string.Join(", ", _byErrorId.Select(p => $"{p.Key} x{p.Value}"))}); the first: {First.Message}";
}
