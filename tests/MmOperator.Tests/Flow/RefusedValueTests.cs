namespace MmOperator.Tests.Flow;

/// <summary>A refused edit's record keeps the value it refused (for the report of a campaign), never a protected key's.</summary>
public sealed class RefusedValueTests : IDisposable
{
    private const string Reason = "campaign row";
    private const string StatusJson = """{"generated_at": "2026-11-26T07:13:26Z", "instances": []}""";
    private readonly FakeFlowContext _host = new();

    public RefusedValueTests()
    {
        File.WriteAllText(Path.Combine(_host.RepoPath, ".env.eth"), "MM_MARKET_NAME=ETH-USD\nMM_MAX_POSITION_SIZE=100\nMM_API_KEY=sk-live-0123456789\n");
        _host.CmdletName = "Set-MmEnvParam";
        _host.Run = command => FakeFlowContext.Answered(command, StatusJson);
    }

    public void Dispose() => _host.Dispose();

    private AuditRecord Refused(string key, string given, Func<string, string?> check)
    {
        var flow = new RunbookFlow(_host);
        new EnvEditFlow(flow, "set").Run(new EnvEditRequest([Market.Parse("eth")], false, key, false, Reason, check, given));
        flow.RecordRefusals();
        var record = _host.Journalled[^1];
        Assert.Equal(AuditOutcome.Refused, record.Outcome);
        Assert.Equal(key, record.Key);
        return record;
    }

    private static string? OutOfBounds(string key) => throw new OperatorException(ErrorIds.EnvValueOutOfBounds, ErrorCategory.InvalidArgument, "out of bounds", key);

    [Fact]
    public void A_value_refused_for_an_accepted_key_is_kept_in_NewValue_and_in_the_errors_target()
    {
        var record = Refused("MM_MAX_POSITION_SIZE", "abc", OutOfBounds);

        Assert.Equal("abc", record.NewValue);
        Assert.Equal("abc", Assert.IsType<RefusedEnvEdit>(Assert.Single(_host.Errors).TargetObject).NewValue);
    }

    [Fact]
    public void A_risk_change_refused_without_Force_keeps_the_value()
    {
        var record = Refused("MM_MAX_POSITION_SIZE", "100000", _ => "100000");

        Assert.Equal(ErrorIds.RiskChangeNeedsForce, record.ErrorId);
        Assert.Equal("100000", record.NewValue);
    }

    [Fact]
    public void A_protected_keys_value_is_never_kept()
    {
        var record = Refused("MM_API_KEY", "sk-new-secret-value", _ => "sk-new-secret-value");

        Assert.Null(record.NewValue);
        Assert.Null(Assert.IsType<RefusedEnvEdit>(Assert.Single(_host.Errors).TargetObject).NewValue);
    }

    [Fact]
    public void A_kept_value_has_secret_like_assignments_masked_and_is_cut_at_the_records_quote_length()
    {
        Assert.DoesNotContain("sk-9876", Refused("MM_MAX_POSITION_SIZE", "1 MM_API_KEY=sk-9876", OutOfBounds).NewValue, StringComparison.Ordinal);

        var record = Refused("MM_MAX_POSITION_SIZE", new string('9', 5000), OutOfBounds);
        Assert.Equal(new string('9', AuditRecord.QuotedLength) + "... (4000 more characters)", record.NewValue);
    }
}
