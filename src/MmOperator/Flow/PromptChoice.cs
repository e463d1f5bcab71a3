namespace MmOperator.Flow;

/// <summary>One answer of a prompt: its label (an &amp; before its key) and its help text.</summary>
public sealed record PromptChoice(string Label, string Help)
{
    /// <summary>One action's question: No is the default.</summary>
    public static IReadOnlyList<PromptChoice> YesNo { get; } =
    [
        new("&Yes", "Approve this one action and run it."),
        new("&No", "Do not run it (the default)."),
    ];

    /// <summary>The index of No in <see cref="YesNo"/> and <see cref="Batch"/>: an empty line runs nothing.</summary>
    public const int No = 1;

    /// <summary>Several markets asked as one question: all, none (the default), or one question each.</summary>
    public static IReadOnlyList<PromptChoice> Batch { get; } =
    [
        new("&Yes to all", "Approve every action listed and run them side by side."),
        new("&No", "Run none of them (the default)."),
        new("&Per market", "Ask about each action on its own, then run the approved ones side by side."),
    ];

    public const int PerMarket = 2;
}
