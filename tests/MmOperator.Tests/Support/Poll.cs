namespace MmOperator.Tests.Support;

/// <summary>Waiting on real processes without fixed sleeps.</summary>
public static class Poll
{
    /// <summary>True as soon as <paramref name="condition"/> holds; false when <paramref name="timeout"/> passed first.</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed >= timeout)
            {
                return false;
            }

            Thread.Sleep(50);
        }

        return true;
    }
}
