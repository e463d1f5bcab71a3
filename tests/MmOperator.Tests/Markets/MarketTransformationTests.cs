using System.Management.Automation;
using MmOperator.Markets;
using MmOperator.Status;

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
    public void Null_becomes_an_empty_malformed_market() => Assert.False(Assert.IsType<Market>(Transform(null)).IsWellFormed);
}
