using MmOperator.Fleet;
using MmOperator.Metrics;
using MmOperator.Tests.Fleet;
using MmOperator.Tests.Flow;

namespace MmOperator.Tests.Metrics;

public sealed class FleetMetricsTests
{
    /// <summary>What Export-MmMetric writes on a host, labelled as it was asked (-HostLabel).</summary>
    private static FakeRun Exporting(FleetCall call, params string[] markets)
    {
        var label = (string)call.Parameters["HostLabel"];
        var text = PrometheusText.Render(
        [
            new MetricFamily("mm_read_ok", "read", "gauge", [new([("host", label), ("part", "markets")], 1)]),
            new MetricFamily("mm_market_up", "up", "gauge", markets.Select(m => new MetricSample([("market", m), ("host", label)], 1)).ToList()),
        ]);
        return FakeRun.Answering(new PSObject(text));
    }

    [Fact]
    public void Each_host_exports_with_its_name_as_given_and_the_expositions_merge_into_one_with_a_dead_host_as_0()
    {
        using var host = new FakeFlowContext();
        var fleet = new FakeFleet();
        fleet.Hosts["a@10.1.0.2:22"] = call => Exporting(call, "ETH-USD", "SOL-USD");
        fleet.Hosts["b@10.1.1.2:22"] = call => Exporting(call, "BTC-USD");

        var text = new FleetMetrics(host).Collect(fleet, new FleetParameters { HostName = ["a@10.1.0.2:22", "down@10.1.9.9:22", "b@10.1.1.2:22"] }, p => p);

        Assert.All(fleet.Asked, a => Assert.Equal([("HostLabel", a.Host)], a.Call.Parameters.Select(p => (p.Key, p.Value))));
        var error = Assert.Single(host.Errors);
        Assert.Equal(ErrorIds.FleetHostUnreachable, error.FullyQualifiedErrorId);
        Assert.Equal("down@10.1.9.9:22", error.TargetObject);
        var families = ExpositionParser.Parse(text!);
        Assert.Equal(["mm_read_ok", "mm_market_up"], families.Select(f => f.Name));
        Assert.Equal(
            ["a@10.1.0.2:22 ETH-USD", "a@10.1.0.2:22 SOL-USD", "b@10.1.1.2:22 BTC-USD"],
            families[1].Samples.Select(s => $"{s.Labels["host"]} {s.Labels["market"]}"));
        Assert.Equal(
            ["a@10.1.0.2:22 1", "down@10.1.9.9:22 0", "b@10.1.1.2:22 1"],
            families[0].Samples.Where(s => s.Labels["part"] == "host").Select(s => $"{s.Labels["host"]} {s.Value}"));
        Assert.Equal(1, fleet.Closed);
    }

    [Fact]
    public void A_host_where_the_export_failed_is_its_error_and_a_0_even_first_in_the_fleet()
    {
        using var host = new FakeFlowContext();
        var fleet = new FakeFleet();
        var missing = new ErrorRecord(new InvalidOperationException("The specified module 'MmOperator' was not loaded"), "Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand", ErrorCategory.ResourceUnavailable, "MmOperator");
        fleet.Hosts["old@10.1.0.2"] = _ => new FakeRun(new([], [], missing));
        fleet.Hosts["b@10.1.1.2"] = call => Exporting(call, "BTC-USD");

        var text = new FleetMetrics(host).Collect(fleet, new FleetParameters { HostName = ["old@10.1.0.2", "b@10.1.1.2"] }, p => p);

        Assert.Equal(ErrorIds.FleetHostFailed, Assert.Single(host.Errors).FullyQualifiedErrorId);
        var readOk = ExpositionParser.Parse(text!).Single(f => f.Name == "mm_read_ok");
        Assert.Equal(["old@10.1.0.2 host 0", "b@10.1.1.2 markets 1", "b@10.1.1.2 host 1"], readOk.Samples.Select(s => $"{s.Labels["host"]} {s.Labels["part"]} {s.Value}"));
        Assert.Contains("host: over a fleet", readOk.Help, StringComparison.Ordinal);
    }
}
