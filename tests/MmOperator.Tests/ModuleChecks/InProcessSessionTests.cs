using System.Management.Automation;
using MmOperator.Tests.Support;

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
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SessionOptionsGroup
{
    /// <summary>Session options are process-wide; tests that set them do not run in parallel.</summary>
    public const string Name = "Session options";
}
