using MmOperator.Fleet;
using MmOperator.Host;
using MmOperator.Metrics;
using MmOperator.Options;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Writes the host's markets and health as Prometheus metrics (text format 0.0.4), to the output or atomically to a file for node_exporter's textfile collector.</para>
/// What Get-MmMarket and Get-MmHealth read (one <c>mmctl status --json</c>, then files), read only: no approval.
/// With -HostName, -Session or -Fleet each host writes its own and they merge into one (<see cref="FleetMetrics"/>).
/// </summary>
[Cmdlet(VerbsData.Export, "MmMetric", DefaultParameterSetName = FleetParameters.LocalSet)]
[OutputType(typeof(string))]
public sealed class ExportMmMetricCommand : OperatorCmdlet, IDynamicParameters
{
    private readonly FleetParameters _fleet = new();

    private string? _target;

    /// <summary>A *.prom file to replace atomically (node_exporter's textfile collector); without it the text is written to the output.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The host label of every sample; the machine name by default. On a fleet each host's label is that host as given.</summary>
    [Parameter(ParameterSetName = FleetParameters.LocalSet)]
    [ValidateNotNullOrEmpty]
    public string HostLabel { get; set; } = Environment.MachineName;

    /// <summary>-HostName, -Session, -Fleet, -KeyFilePath, -TimeoutSec: the metrics of other hosts, merged into one exposition.</summary>
    public object GetDynamicParameters() => _fleet;

    protected override void BeginProcessing()
    {
        if (Path is null)
        {
            return;
        }

        Context.RequireFullLanguage("-Path writes a file, which a restricted session may not do. Leave it out: the metrics are written to the output.", Path);
        try
        {
            _target = MetricsFile.Target(ResolveUserPath(Path));
        }
        catch (Errors.OperatorException refused)
        {
            ThrowTerminatingError(refused.ToErrorRecord());
        }
    }

    protected override void EndProcessing()
    {
        if (_fleet.IsGiven)
        {
            RequireFleetAllowed();
        }

        var text = _fleet.IsGiven ? new FleetMetrics(Context).Collect(new PsRemoting(), _fleet, ResolveUserPath) : ThisHost();
        if (text is null)
        {
            return;
        }

        if (_target is null)
        {
            WriteObject(text);
            return;
        }

        try
        {
            MetricsFile.Write(_target, text);
        }
        catch (Errors.OperatorException failed)
        {
            ThrowTerminatingError(failed.ToErrorRecord());
        }
    }

    private string ThisHost()
    {
        IReadOnlyList<MarketStatus>? markets = null;
        var health = HealthReader.Read(() => markets = ReadMarkets(), Context.Journal, Options.RepoPath, Context.Approvals, unreadable => WriteError(unreadable.ToErrorRecord()));
        return PrometheusText.Render(HostMetrics.Build(HostLabel, markets, health, Status.Truth.Table.StartedAt));
    }

    private IReadOnlyList<MarketStatus> ReadMarkets()
    {
        HostPreconditions.RequireMmctl(Options);
        return Status.Overview();
    }
}
