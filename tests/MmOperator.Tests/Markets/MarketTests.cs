namespace MmOperator.Tests.Markets;

public class MarketTests
{
    [Theory]
    [InlineData("eth", MarketForm.Slug, "eth")]
    [InlineData("mu_24_5", MarketForm.Slug, "mu_24_5")]
    [InlineData("ETH-USD", MarketForm.Symbol, "eth")]
    [InlineData("MU_24_5-USD", MarketForm.Symbol, "mu_24_5")]
    [InlineData("SPX500m-USD", MarketForm.Symbol, "spx500m")]
    [InlineData(".env.eth", MarketForm.EnvFile, "eth")]
    [InlineData(".env.mu_24_5", MarketForm.EnvFile, "mu_24_5")]
    public void The_three_accepted_forms_parse_to_mmctls_slug(string input, MarketForm form, string slug)
    {
        var market = Market.Parse(input);

        Assert.True(market.IsWellFormed);
        Assert.Equal(form, market.Form);
        Assert.Equal(slug, market.Slug);
        Assert.Null(market.Problem);
    }

    [Theory]
    [InlineData("ETH/USD", "path")]
    [InlineData("../.env.eth", "path")]
    [InlineData(".env.eth/../x", "path")]
    [InlineData("/home/operator/Code/MM/.env.eth", "path")]
    [InlineData("eth\\x", "path")]
    [InlineData("eth usd", "whitespace")]
    [InlineData(" eth", "whitespace")]
    [InlineData("eth\n", "control")]
    [InlineData("eth\0", "control")]
    [InlineData("ｅｔｈ", "non-ASCII")]
    [InlineData("eth\u200b", "non-ASCII")]
    [InlineData("\u202eeth", "non-ASCII")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("eth-usd", "none of the accepted forms")]
    [InlineData("ETHUSD", "none of the accepted forms")]
    [InlineData("ETH", "none of the accepted forms")]
    [InlineData(".env.ETH", "none of the accepted forms")]
    [InlineData(".env.eth.iter003", "none of the accepted forms")]
    [InlineData("ETH-USDT", "none of the accepted forms")]
    [InlineData("eth;rm", "none of the accepted forms")]
    [InlineData("$(id)", "none of the accepted forms")]
    [InlineData("`id`", "none of the accepted forms")]
    [InlineData("eth&&x", "none of the accepted forms")]
    [InlineData("-eth", "none of the accepted forms")]
    [InlineData("--json", "none of the accepted forms")]
    [InlineData(".env", "none of the accepted forms")]
    public void Anything_else_is_malformed_with_a_reason(string input, string reason)
    {
        var market = Market.Parse(input);

        Assert.False(market.IsWellFormed);
        Assert.Null(market.Slug);
        Assert.Contains(reason, market.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Over_long_input_is_malformed()
    {
        Assert.Contains("longer", Market.Parse(new string('e', Market.MaxLength + 1)).Problem, StringComparison.Ordinal);
        Assert.True(Market.Parse(new string('e', Market.MaxLength)).IsWellFormed);
    }

    [Fact]
    public void Null_is_malformed_not_an_exception() => Assert.Equal("it is empty", Market.Parse(null).Problem);

    [Theory]
    [InlineData("ETH-USD", "eth")]
    [InlineData("MU_24_5-USD", "mu_24_5")]
    [InlineData("SPX500m-USD", "spx500m")]
    [InlineData("BTC-PERP", "btc_perp")]
    public void SlugOfSymbol_follows_mmctls_rule(string symbol, string slug) => Assert.Equal(slug, Market.SlugOfSymbol(symbol));
}
