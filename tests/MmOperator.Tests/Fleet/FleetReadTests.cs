using MmOperator.Fleet;
using MmOperator.Tests.Flow;

namespace MmOperator.Tests.Fleet;

public class FleetReadTests
{
    private static PSObject Market(string market, string state) =>
        FakeFleet.Crossed("MmOperator.MarketStatus", ("Market", market), ("State", state), ("PSComputerName", "10.1.0.2"));

    private static readonly string[] EthAndNope = ["eth", "nope"];

    private static FleetParameters Hosts(params string[] names) => new() { HostName = names };

    [Fact]
    public void Every_host_is_asked_and_its_objects_come_host_by_host_tagged_with_the_host_as_given()
    {
        using var host = new FakeFlowContext();
        var fleet = new FakeFleet();
        fleet.Hosts["b@10.1.1.2:22"] = _ => FakeRun.Answering(Market("BTC-USD", "Running"));
        fleet.Hosts["a@10.1.0.2:22"] = _ => FakeRun.Answering(Market("ETH-USD", "Stopped"), Market("SOL-USD", "Running"));

        new FleetRead(host).Ask(fleet, Hosts("a@10.1.0.2:22", "b@10.1.1.2:22", "a@10.1.0.2:22"), FleetCall.Of("Get-MmMarket", ("State", null)), p => p);

        Assert.Equal(["a@10.1.0.2:22", "b@10.1.1.2:22"], fleet.Opened.Single());
        Assert.All(fleet.Asked, a => Assert.Equal("Get-MmMarket", a.Call.Command));
        Assert.All(fleet.Asked, a => Assert.Empty(a.Call.Parameters));
        var written = host.Output.Cast<PSObject>().ToList();
        Assert.Equal(["a@10.1.0.2:22 ETH-USD", "a@10.1.0.2:22 SOL-USD", "b@10.1.1.2:22 BTC-USD"], written.Select(o => $"{o.Properties["PSComputerName"].Value} {o.Properties["Market"].Value}"));
        Assert.All(written, o => Assert.Equal("MmOperator.Fleet.MarketStatus", FleetRead.FleetTypeName(o)));
        Assert.Empty(host.Errors);
        Assert.Equal(1, fleet.Closed);
    }

    [Fact]
    public void An_unreachable_host_is_one_error_for_that_host_and_the_others_still_answer()
    {
        using var host = new FakeFlowContext();
        var fleet = new FakeFleet();
        fleet.Hosts["a@10.1.0.2"] = _ => FakeRun.Answering(Market("ETH-USD", "Running"));

        new FleetRead(host).Ask(fleet, Hosts("down@10.1.9.9", "a@10.1.0.2"), FleetCall.Of("Get-MmMarket"), p => p);

        var error = Assert.Single(host.Errors);
        Assert.Equal(ErrorIds.FleetHostUnreachable, error.FullyQualifiedErrorId);
        Assert.Equal("down@10.1.9.9", error.TargetObject);
        Assert.Equal("a@10.1.0.2", Assert.Single(host.Output.Cast<PSObject>()).Properties["PSComputerName"].Value);
    }

    [Fact]
    public void A_host_that_does_not_answer_in_time_is_asked_to_stop_and_is_its_own_timeout_error()
    {
        using var host = new FakeFlowContext();
        var fleet = new FakeFleet();
        var slow = new FakeRun(new([], [], null), finished: false);
        fleet.Hosts["slow@10.1.0.2"] = _ => slow;
        fleet.Hosts["quick@10.1.1.2"] = _ => FakeRun.Answering(Market("BTC-USD", "Running"));

        new FleetRead(host).Ask(fleet, new FleetParameters { HostName = ["slow@10.1.0.2", "quick@10.1.1.2"], TimeoutSec = 1 }, FleetCall.Of("Get-MmMarket"), p => p);

        Assert.True(slow.StopRequested);
        var error = Assert.Single(host.Errors);
        Assert.Equal(ErrorIds.FleetHostTimeout, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Equal("slow@10.1.0.2", error.TargetObject);
        Assert.Single(host.Output);
    }

    [Fact]
    public void A_host_where_the_command_failed_is_FleetHostFailed_and_its_own_errors_keep_their_ids()
    {
        using var host = new FakeFlowContext();
        var fleet = new FakeFleet();
        var unknown = new ErrorRecord(new InvalidOperationException("Market 'nope' has no market file"), "UnknownMarket,MmOperator.Commands.GetMmStatusCommand", ErrorCategory.ObjectNotFound, "nope");
        var missing = new ErrorRecord(new InvalidOperationException("The specified module 'MmOperator' was not loaded"), "Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand", ErrorCategory.ResourceUnavailable, "MmOperator");
        fleet.Hosts["a@10.1.0.2"] = _ => new FakeRun(new([Market("ETH-USD", "Running")], [unknown], null) { Warnings = ["ETH-USD is named more than once"] });
        fleet.Hosts["b@10.1.1.2"] = _ => new FakeRun(new([], [], missing));

        new FleetRead(host).Ask(fleet, Hosts("a@10.1.0.2", "b@10.1.1.2"), FleetCall.Of("Get-MmStatus", ("Market", EthAndNope)), p => p);

        Assert.Equal(["UnknownMarket", ErrorIds.FleetHostFailed], host.Errors.Select(e => e.FullyQualifiedErrorId));
        Assert.Equal(["a@10.1.0.2", "b@10.1.1.2"], host.Errors.Select(e => e.TargetObject));
        Assert.StartsWith("a@10.1.0.2: Market 'nope'", host.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Contains("(Modules_ModuleNotFound): The specified module 'MmOperator' was not loaded", host.Errors[1].Exception.Message, StringComparison.Ordinal);
        Assert.Equal(EthAndNope, fleet.Asked[0].Call.Parameters["Market"]);
        Assert.Equal("a@10.1.0.2: ETH-USD is named more than once", Assert.Single(host.Warnings));
    }

    [Theory]
    [InlineData("a@10.1.0.2:22", "a", "10.1.0.2", 22)]
    [InlineData("mm-ops.eu1", "", "mm-ops.eu1", 0)]
    [InlineData("alice@host-1.example.com", "alice", "host-1.example.com", 0)]
    public void A_fleet_host_is_user_at_host_colon_port(string text, string user, string name, int port)
    {
        var target = FleetTarget.Parse(text);
        Assert.Equal((text, user, name, port), (target.Given, target.User, target.Host, target.Port));
        Assert.True(target.Is(user.Length == 0 ? null : user, name.ToUpperInvariant(), port));
        Assert.False(target.Is(user, name, port + 1));
    }

    [Theory]
    [InlineData("a@10.1.0.2:0")]
    [InlineData("a@10.1.0.2:70000")]
    [InlineData("-oProxyCommand=sh")]
    [InlineData("a b@host")]
    [InlineData("a@host;rm")]
    [InlineData("")]
    public void A_malformed_host_stops_the_command_before_anything_connects(string text)
    {
        using var host = new FakeFlowContext();
        var fleet = new FakeFleet();

        var stopped = Assert.Throws<FlowTerminatedException>(() => new FleetRead(host).Ask(fleet, Hosts("a@10.1.0.2", text), FleetCall.Of("Get-MmMarket"), p => p));

        Assert.Equal(ErrorIds.InvalidFleetHost, stopped.Record.FullyQualifiedErrorId);
        Assert.Empty(fleet.Opened);
    }

    [Fact]
    public void The_saved_fleet_and_its_key_are_asked_when_no_host_is_named()
    {
        using var host = new FakeFlowContext();
        var fleet = new FakeFleet();

        var none = Assert.Throws<FlowTerminatedException>(() => new FleetRead(host).Ask(fleet, new FleetParameters { Fleet = true }, FleetCall.Of("Get-MmMarket"), p => p));
        Assert.Equal(ErrorIds.FleetRequired, none.Record.FullyQualifiedErrorId);

        host.Options = host.Options with { Fleet = ["a@10.1.0.2:22", "b@10.1.1.2:22"], FleetKeyFilePath = "/keys/fleet" };
        new FleetRead(host).Ask(fleet, new FleetParameters { Fleet = true }, FleetCall.Of("Get-MmMarket"), p => p);
        Assert.Equal(["a@10.1.0.2:22", "b@10.1.1.2:22"], fleet.Opened.Single());
        Assert.Equal("/keys/fleet", fleet.KeyFilePath);
        Assert.Equal(2, host.Errors.Count);
    }
}
