namespace MmOperator.Tests.Markets;

public class MarketTransformationTests
{
    private static object? Transform(object? input) => new MarketTransformationAttribute().Transform(null!, input);

    [Fact]
    public void Strings_become_markets_and_bad_ones_keep_their_problem()
    {
        var result = Assert.IsType<Market[]>(Transform(new object[] { "eth", "ETH/USD" }));

        Assert.Equal(MarketForm.Slug, result[0].Form);
        Assert.False(result[1].IsWellFormed);
    }

    [Fact]
    public void A_status_object_binds_by_its_slug()
    {
        var status = new MarketStatus { Market = "MU_24_5-USD", Slug = "mu_24_5", State = MarketState.Running, ControllerId = "env_mu_24_5", GeneratedAt = DateTime.UtcNow };

        var market = Assert.IsType<Market>(Transform(PSObject.AsPSObject(status)));

        Assert.Equal("mu_24_5", market.Slug);
    }

    [Fact]
    public void Null_is_left_to_PowerShell_but_a_null_in_a_list_is_malformed()
    {
        Assert.Null(Transform(null));
        Assert.False(Assert.IsType<Market[]>(Transform(new object?[] { "eth", null }))[1].IsWellFormed);
    }

    [Fact]
    public void Other_objects_bind_through_their_Market_property_or_are_declined()
    {
        var row = new PSObject();
        row.Properties.Add(new PSNoteProperty("Market", "ETH-USD"));

        Assert.Equal("eth", Assert.IsType<Market>(Transform(row)).Slug);
        Assert.Throws<ArgumentTransformationMetadataException>(() => Transform(new PSObject()));
        Assert.Throws<ArgumentTransformationMetadataException>(() => Transform(42));
    }

    [Fact]
    public void An_env_file_binds_by_its_name() =>
        Assert.Equal(MarketForm.EnvFile, Assert.IsType<Market>(Transform(new FileInfo("/repo/.env.eth"))).Form);
}
