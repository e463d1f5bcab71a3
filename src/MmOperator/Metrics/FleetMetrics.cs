using MmOperator.Fleet;
using MmOperator.Flow;

namespace MmOperator.Metrics;

/// <summary>
/// Export-MmMetric on every host of a fleet, side by side: each host writes its own exposition labelled
/// with the host as given, and they merge into one. A host that could not be reached, did not answer in
/// time, or failed is its error (as for the fleet's reads) and <c>mm_read_ok{part="host"} 0</c>, so that
/// Prometheus sees a dead host instead of its samples silently missing.
/// </summary>
public sealed class FleetMetrics(IFlowContext host)
{
    public const string Command = "Export-MmMetric";

    /// <summary>The merged exposition, or null when Ctrl+C ended the waiting.</summary>
    public string? Collect(IFleetConnector connector, FleetParameters given, Func<string, string> resolvePath)
    {
        ArgumentNullException.ThrowIfNull(connector);
        var hosts = FleetRead.Connect(host, connector, given, resolvePath);
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        var read = new FleetRead(host);
        try
        {
            read.Run(hosts, h => FleetCall.Of(Command, ("HostLabel", h.Name)), given.Timeout, (name, call, answer) =>
            {
                read.WriteErrors(name, call, answer);
                if (answer.Output.Select(o => o.BaseObject).OfType<string>().FirstOrDefault() is { } text)
                {
                    texts[name] = text;
                }
            });
        }
        finally
        {
            connector.Close();
        }

        if (host.Stopping.IsCancellationRequested)
        {
            return null;
        }

        return PrometheusText.Merge(hosts.SelectMany(h => texts.TryGetValue(h.Name, out var text)
            ? new[] { text, PrometheusText.Render([HostMetrics.Answered(h.Name, true)]) }
            : [PrometheusText.Render([HostMetrics.Answered(h.Name, false)])]));
    }
}
