using System.Globalization;
using MmOperator.Host;

namespace MmOperator.Status;

/// <summary>
/// Turns a <c>mmctl status --json</c> answer into <see cref="MarketStatus"/> objects, naming markets from
/// the catalog: mmctl's word only. Views read it through <see cref="ProcessTruth"/>, which corrects it.
/// </summary>
public static class StatusReader
{
    /// <summary>The instances with the report's own time, which an empty list still has.</summary>
    public static StatusReport ReadReport(HostRunResult run, MarketCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var report = HostResultReader.Read<MmctlStatusReport>(run);
        if (!DateTime.TryParse(report.GeneratedAt, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var generatedAt))
        {
            throw HostResultReader.Invalid(run, $"generated_at '{report.GeneratedAt}' is not a time");
        }

        return new StatusReport(generatedAt, report.Instances.Select(i => ToStatus(i, generatedAt, run, catalog)).ToList());
    }

    private static MarketStatus ToStatus(MmctlInstance instance, DateTime generatedAt, HostRunResult run, MarketCatalog catalog)
    {
        var state = instance.Status switch
        {
            "running" => MarketState.Running,
            // A clean stop removes the pid file; a dead bot leaves it, and mmctl still reads its pid.
            "stopped" => instance.Pid is null ? MarketState.Stopped : MarketState.Crashed,
            _ => throw HostResultReader.Invalid(run, $"instance {instance.ControllerId} has status '{instance.Status}'"),
        };
        var entry = FindEntry(instance, run, catalog);
        var slug = entry?.Slug ?? SlugOfControllerId(instance.ControllerId);
        return new MarketStatus
        {
            Market = instance.Market ?? entry?.Symbol ?? slug,
            Slug = slug,
            EnvFile = instance.Env ?? entry?.EnvFilePath,
            State = state,
            Pid = instance.Pid,
            ControllerId = instance.ControllerId,
            LogPath = instance.Log,
            GeneratedAt = generatedAt,
            Problem = entry?.Problem,
            Environment = entry?.Environment,
        };
    }

    /// <summary>The market an instance belongs to: the one asked about, else its env file, else its controller id.</summary>
    private static MarketEntry? FindEntry(MmctlInstance instance, HostRunResult run, MarketCatalog catalog)
    {
        if (run.Command.Market is { } asked)
        {
            return asked;
        }

        if (instance.Env is { } env && MarketCatalog.IsMarketFileName(Path.GetFileName(env), out var slug))
        {
            return catalog.FindBySlug(slug);
        }

        return catalog.FindBySlug(SlugOfControllerId(instance.ControllerId));
    }

    /// <summary>mmctl's controller id of a market file, as every recording shows it (env_ and the slug).</summary>
    public static string ControllerIdOf(MarketEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return ControllerIdOf(entry.Slug);
    }

    public static string ControllerIdOf(string slug) => "env_" + slug;

    private static string SlugOfControllerId(string controllerId) =>
        controllerId.StartsWith("env_", StringComparison.Ordinal) ? controllerId[4..] : controllerId;
}

/// <summary>One <c>mmctl status --json</c> answer: when mmctl made it, and its instances.</summary>
public sealed record StatusReport(DateTime GeneratedAt, IReadOnlyList<MarketStatus> Instances);
