namespace MmOperator.Flow;

/// <summary>
/// Several refusals as one journal record's text: how many of each error id, then the first in full.
/// The count, not the list, grows with them: 100,000 refused rows make one line of the same size as ten.
/// </summary>
public sealed class RefusalTally
{
    /// <summary>Targets named in the record: enough to say which markets a batch refused, never a list that grows with a flood.</summary>
    public const int NamedTargets = 10;

    private readonly Dictionary<string, int> _byErrorId = new(StringComparer.Ordinal);
    private readonly List<string> _targets = [];
    private int _otherTargets;

    public RefusalTally(OperatorException first, string? target)
    {
        ArgumentNullException.ThrowIfNull(first);
        First = first;
        Add(first, target);
    }

    public OperatorException First { get; }

    public int Count { get; private set; }

    public void Add(OperatorException refusal, string? target)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        Count++;
        _byErrorId[refusal.ErrorId] = _byErrorId.GetValueOrDefault(refusal.ErrorId) + 1;
        if (target is null || _targets.Contains(target, StringComparer.Ordinal))
        {
            return;
        }

        if (_targets.Count < NamedTargets)
        {
            _targets.Add(target);
        }
        else
        {
            _otherTargets++;
        }
    }

    /// <summary>"3 &lt;what&gt; refused (UnknownMarket x2, InvalidReason x1), for eth, btc; the first: ...". Targets are escaped: the record is read by people.</summary>
    public string Describe(string what)
    {
        var targets = _targets.Count > 1 || _otherTargets > 0
            ? $", for {string.Join(", ", _targets.Select(t => Reporting.VisibleText.Quote(t, Markets.Market.MaxLength)))}{(_otherTargets > 0 ? $" and {_otherTargets} more" : string.Empty)}"
            : string.Empty;
        return $"{Count} {what} refused ({string.Join(", ", _byErrorId.Select(p => $"{p.Key} x{p.Value}"))}){targets}; the first: {First.Message}";
    }
}
