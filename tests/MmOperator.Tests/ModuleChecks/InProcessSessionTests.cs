namespace MmOperator.Tests.ModuleChecks;

/// <summary>The cmdlets hosted in-process (Microsoft.PowerShell.SDK) against a real sandbox.</summary>
[Collection(SessionOptionsGroup.Name)]
public sealed class InProcessSessionTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly InProcessSession _session = new();

    public InProcessSessionTests() =>
        Invoke("New-MmSandbox -Path $args[0] -Market eth, btc | Set-MmOperatorOption", Path.Combine(_dir.Path, "host"));

    public void Dispose()
    {
        _session.Dispose();
        _dir.Dispose();
    }

    private List<PSObject> Invoke(string script, params object[] arguments) => _session.Invoke(script, arguments);

    [Fact]
    public void Status_objects_carry_their_type_name_and_pipe_back_by_property_name()
    {
        var result = Invoke("Get-MmStatus eth, .env.btc | Get-MmStatus");

        Assert.Empty(_session.Shell.Streams.Error);
        Assert.Equal(["ETH-USD", "BTC-USD"], result.Select(r => (string)r.Properties["Market"].Value));
        Assert.All(result, r => Assert.Equal("MmOperator.MarketStatus", r.TypeNames[0]));
    }

    [Fact]
    public void A_bad_market_is_a_non_terminating_error_and_the_others_still_run()
    {
        var result = Invoke("Get-MmStatus 'ETH/USD', btc");

        Assert.Equal("BTC-USD", (string)result.Single().Properties["Market"].Value);
        var error = Assert.Single(_session.Shell.Streams.Error);
        Assert.Equal("InvalidMarketFormat,MmOperator.Commands.GetMmStatusCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
    }

    [Fact]
    public void A_fleet_approval_given_in_a_local_session_is_refused_journalled_and_runs_nothing()
    {
        var refused = Invoke("try { Stop-MmMarket eth -Reason 'SEV1' -FleetApproval @{ User = 'alice'; Console = 'ws1'; Time = '2026-12-04T18:00:00Z'; Mode = 'Prompted'; PlanHash = ('a' * 64) } -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }");

        Assert.Equal("FleetApprovalRefused,MmOperator.Commands.StopMmMarketCommand", refused.Single().ToString());
        var journal = Invoke("Get-MmAuditLog -Action Stop-MmMarket");
        Assert.Equal("FleetApprovalRefused", journal.Single().Properties["ErrorId"].Value);
        Assert.Empty(Invoke("Get-MmAuditLog -Action stop"));
    }

    [Theory]
    [InlineData("Get-MmMarket -HostName 'a b'", "InvalidFleetHost,MmOperator.Commands.GetMmMarketCommand")]
    [InlineData("Get-MmHealth -Fleet", "FleetRequired,MmOperator.Commands.GetMmHealthCommand")]
    [InlineData("Stop-MmMarket eth -Reason 'SEV1' -HostName '-oProxyCommand=sh'", "InvalidFleetHost,MmOperator.Commands.StopMmMarketCommand")]
    [InlineData("$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'; Get-MmStatus -HostName 'alice@10.1.0.2'", "FullLanguageRequired,MmOperator.Commands.GetMmStatusCommand")]
    public void A_fleet_command_that_cannot_go_out_stops_before_anything_connects(string command, string errorId)
    {
        Invoke($"{command} -ErrorAction SilentlyContinue");

        Assert.Equal(errorId, Assert.Single(_session.Shell.Streams.Error).FullyQualifiedErrorId);
        Assert.Empty(Invoke("Get-PSSession"));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SessionOptionsGroup
{
    /// <summary>Session options are process-wide; tests that set them do not run in parallel.</summary>
    public const string Name = "Session options";
}
