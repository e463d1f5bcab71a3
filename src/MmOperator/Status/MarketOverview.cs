namespace MmOperator.Status;

/// <summary>
/// Every market at a glance: each market file of the catalog with its state, from one
/// <c>mmctl status --json</c>. That listing has only the pid files, so a market it leaves out was never
/// started or was stopped cleanly (both Stopped); an instance it lists whose file is not in the
/// catalog is kept, since a bot may run whatever its file became.
/// </summary>
public static class MarketOverview
{
    public static IReadOnlyList<MarketStatus> Build(StatusReport report, MarketCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(catalog);
        var listed = report.Instances.Select(i => i.Slug).ToHashSet(StringComparer.Ordinal);
        var quiet = catalog.Markets.Where(m => !listed.Contains(m.Slug)).Select(m => new MarketStatus
        {
            Market = m.DisplayName,
            Slug = m.Slug,
            EnvFile = m.EnvFilePath,
            State = MarketState.Stopped,
            ControllerId = StatusReader.ControllerIdOf(m),
            GeneratedAt = report.GeneratedAt,
            Problem = m.Problem,
            Environment = m.Environment,
        });
        return report.Instances.Concat(quiet)
            .OrderBy(s => s.Market, StringComparer.OrdinalIgnoreCase)
            .ThenBy(s => s.Slug, StringComparer.Ordinal)
            .ToList();
    }
}
