namespace MmOperator.Tests.Markets;

public sealed class MarketCatalogTests : IDisposable
{
    private readonly TempDir _repo = new();

    public MarketCatalogTests()
    {
        Market("eth", "ETH-USD");
        Market("btc", "BTC-USD");
        Market("mu_24_5", "MU_24_5-USD");
        Market("spx500m", "SPX500m-USD");
        _repo.Write(".env", "MM_API_KEY=shared\n");
        _repo.Write(".env.example", "MM_MARKET_NAME=ETH-USD\n");
        _repo.Write(".env.eth.candidate", "MM_MARKET_NAME=ETH-USD\n");
        _repo.Write(".env.eth.iter003", "MM_MARKET_NAME=ETH-USD\n");
        _repo.Write(".env.eth.lock", string.Empty);
        _repo.Write(".env.ETH", "MM_MARKET_NAME=ETH-USD\n");
    }

    public void Dispose() => _repo.Dispose();

    private void Market(string slug, string? symbol) =>
        _repo.Write(".env." + slug, symbol is null ? "MM_SPREAD_MULTIPLIER=1.5\n" : $"# market\nMM_MARKET_NAME={symbol}  # the symbol\n");

    private MarketCatalog Catalog => MarketCatalog.Load(_repo.Path);

    [Fact]
    public void Only_regular_env_slug_files_are_markets()
    {
        File.CreateSymbolicLink(Path.Combine(_repo.Path, ".env.linked"), Path.Combine(_repo.Path, ".env.eth"));

        Assert.Equal(["btc", "eth", "mu_24_5", "spx500m"], Catalog.Markets.Select(m => m.Slug));
        Assert.Contains("symbolic link", Assert.Throws<OperatorException>(() => Catalog.Resolve(MmOperator.Markets.Market.Parse("linked"))).Message, StringComparison.Ordinal);
        Assert.Equal("MU_24_5-USD", Catalog.FindBySlug("mu_24_5")!.Symbol);
    }

    [Theory]
    [InlineData("eth", "eth")]
    [InlineData("ETH-USD", "eth")]
    [InlineData(".env.eth", "eth")]
    [InlineData("MU_24_5-USD", "mu_24_5")]
    [InlineData("mu_24_5", "mu_24_5")]
    [InlineData("SPX500m-USD", "spx500m")]
    public void Every_accepted_form_resolves_to_one_entry_rendered_as_the_slug(string input, string slug)
    {
        var entry = Catalog.Resolve(MmOperator.Markets.Market.Parse(input));

        Assert.Equal(slug, entry.Slug);
        Assert.Equal(slug, entry.MmctlArgument);
        Assert.Equal(Path.Combine(_repo.Path, ".env." + slug), entry.EnvFilePath);
    }

    [Theory]
    [InlineData("ETH/USD")]
    [InlineData("eth-usd")]
    [InlineData("ETHUSD")]
    [InlineData(".env.ETH")]
    [InlineData(".env.eth.iter003")]
    [InlineData("ETH-USDT")]
    [InlineData("eth-USD", ErrorIds.UnknownMarket)]
    [InlineData("ETH")]
    public void Near_misses_are_refused_with_the_closest_safe_alternative(string input, string id = ErrorIds.InvalidMarketFormat)
    {
        var refusal = Assert.Throws<OperatorException>(() => Catalog.Resolve(MmOperator.Markets.Market.Parse(input)));

        Assert.Equal(id, refusal.ErrorId);
        Assert.Contains("Closest safe alternative: 'ETH-USD'", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ETH")]
    [InlineData("Eth")]
    [InlineData("eth-usd")]
    [InlineData("eth-USD")]
    [InlineData("ETH-USD")]
    [InlineData("eth")]
    public void A_lookup_takes_a_slug_or_symbol_in_any_letter_case(string input) =>
        Assert.Equal("eth", Catalog.ResolveLookup(MmOperator.Markets.Market.Parse(input)).Slug);

    [Theory]
    [InlineData("ETH/USD")]
    [InlineData("ETHUSD")]
    [InlineData("ETH-USDT")]
    [InlineData(".env.ETH")]
    [InlineData(" eth")]
    [InlineData("DOGE")]
    public void A_lookup_refuses_what_is_more_than_letter_case_away_as_a_state_change_does(string input)
    {
        var refusal = Assert.Throws<OperatorException>(() => Catalog.ResolveLookup(MmOperator.Markets.Market.Parse(input)));

        Assert.Equal(ErrorIds.InvalidMarketFormat, refusal.ErrorId);
        Assert.Equal(Assert.Throws<OperatorException>(() => Catalog.Resolve(MmOperator.Markets.Market.Parse(input))).Message, refusal.Message);
    }

    [Fact]
    public void A_lookup_that_fits_two_markets_but_for_case_is_refused()
    {
        Market("eth_alt", "ETH-USD");

        Assert.Equal(ErrorIds.AmbiguousMarket, Assert.Throws<OperatorException>(() => Catalog.ResolveLookup(MmOperator.Markets.Market.Parse("eth-usd"))).ErrorId);
    }

    [Fact]
    public void A_well_formed_market_without_an_env_file_is_unknown_and_lists_the_markets()
    {
        var refusal = Assert.Throws<OperatorException>(() => Catalog.Resolve(MmOperator.Markets.Market.Parse("doge")));

        Assert.Equal(ErrorIds.UnknownMarket, refusal.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, refusal.Category);
        Assert.Contains(".env.doge", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("BTC-USD, ETH-USD, MU_24_5-USD, SPX500m-USD", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_typo_gets_the_market_within_two_edits()
    {
        var refusal = Assert.Throws<OperatorException>(() => Catalog.Resolve(MmOperator.Markets.Market.Parse("etj")));

        Assert.Contains("Closest safe alternative: 'ETH-USD'", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Input_that_fits_two_markets_is_ambiguous_and_names_both()
    {
        Market("mu_245", "MU245-USD");

        var refusal = Assert.Throws<OperatorException>(() => Catalog.Resolve(MmOperator.Markets.Market.Parse("MU245")));

        Assert.Equal(ErrorIds.AmbiguousMarket, refusal.ErrorId);
        Assert.Contains("'MU_24_5-USD'", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("'MU245-USD'", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symbol_two_files_trade_is_ambiguous()
    {
        Market("eth_alt", "ETH-USD");

        var refusal = Assert.Throws<OperatorException>(() => Catalog.Resolve(MmOperator.Markets.Market.Parse("ETH-USD")));

        Assert.Equal(ErrorIds.AmbiguousMarket, refusal.ErrorId);
        Assert.Contains(".env.eth, .env.eth_alt", refusal.Message, StringComparison.Ordinal);
        Assert.Equal("eth", Catalog.Resolve(MmOperator.Markets.Market.Parse("eth")).Slug);
    }

    [Fact]
    public void A_symbol_resolves_through_the_files_market_name_and_reaches_mmctl_as_that_files_slug()
    {
        Market("gold", "XAU-USD");

        var entry = Catalog.Resolve(MmOperator.Markets.Market.Parse("XAU-USD"));

        Assert.Equal("gold", entry.Slug);
        Assert.Equal("gold", entry.MmctlArgument);
        Assert.Equal("XAU-USD", entry.DisplayName);
    }

    [Fact]
    public void A_symbol_no_file_trades_is_unknown_even_when_a_file_has_its_slug()
    {
        Market("sol", "BTC-USD");

        var refusal = Assert.Throws<OperatorException>(() => Catalog.Resolve(MmOperator.Markets.Market.Parse("SOL-USD")));

        Assert.Equal(ErrorIds.UnknownMarket, refusal.ErrorId);
        Assert.Contains("MM_MARKET_NAME=SOL-USD", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("alternative: 'SOL-USD'", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_names_no_market_is_not_a_market_in_any_form()
    {
        Market("xrp", null);

        foreach (var form in new[] { "xrp", ".env.xrp", "XRP-USD" })
        {
            var refusal = Assert.Throws<OperatorException>(() => Catalog.Resolve(MmOperator.Markets.Market.Parse(form)));
            Assert.Equal(ErrorIds.UnknownMarket, refusal.ErrorId);
            Assert.Contains(".env.xrp names no market (no MM_MARKET_NAME)", refusal.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(Catalog.Markets, m => m.Slug == "xrp");
    }

    [Theory]
    [InlineData("lock")]
    [InlineData("sample")]
    [InlineData("template")]
    [InlineData("bak")]
    [InlineData("candidate")]
    [InlineData("iter003")]
    [InlineData("tmp")]
    public void Lock_sample_backup_and_temporary_files_are_never_markets_even_when_they_name_a_symbol(string slug)
    {
        _repo.Write(".env." + slug, "MM_MARKET_NAME=LOCK-USD\n");
        _repo.Write(".env.eth.mmoperator-0a1b2c3d4e5f.tmp", "MM_MARKET_NAME=ETH-USD\n");
        _repo.Write(".env.eth.bak", "MM_MARKET_NAME=ETH-USD\n");

        Assert.Equal(["btc", "eth", "mu_24_5", "spx500m"], Catalog.Markets.Select(m => m.Slug));
        var refusal = Assert.Throws<OperatorException>(() => Catalog.Resolve(MmOperator.Markets.Market.Parse(slug)));
        Assert.Equal(ErrorIds.UnknownMarket, refusal.ErrorId);
        Assert.Contains($".env.{slug} is a lock, sample, template, backup or temporary file, never a market", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LOCK-USD", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_market_name_behind_a_byte_order_mark_is_the_hosts_no_market_and_carries_the_problem()
    {
        _repo.Write(".env.xau", "\uFEFFMM_MARKET_NAME=XAU-USD\nMM_SPREAD_MULTIPLIER=1.5\n");

        var entry = Catalog.FindBySlug("xau")!;

        Assert.Null(entry.Symbol);
        Assert.Equal("xau", entry.DisplayName);
        Assert.Contains("byte-order mark (U+FEFF) before MM_MARKET_NAME (line 1)", entry.Problem, StringComparison.Ordinal);
        Assert.Contains("market 'unknown'", entry.Problem, StringComparison.Ordinal);
        Assert.Equal(ErrorIds.UnknownMarket, Assert.Throws<OperatorException>(() => Catalog.Resolve(MmOperator.Markets.Market.Parse("XAU-USD"))).ErrorId);
        Assert.Null(Catalog.FindBySlug("eth")!.Problem);
    }

    [Fact]
    public void Refusals_show_invisible_characters_as_escapes()
    {
        var refusal = Assert.Throws<OperatorException>(() => Catalog.Resolve(MmOperator.Markets.Market.Parse("eth\u202e\n")));

        Assert.Contains("eth\\u{202E}\\u{0A}", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202e", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_repo_is_an_empty_catalog() =>
        Assert.Empty(MarketCatalog.Load(Path.Combine(_repo.Path, "nope")).Markets);

    [Theory]
    [InlineData("", new[] { "BTC-USD", "ETH-USD", "MU_24_5-USD", "SPX500m-USD" })]
    [InlineData("E", new[] { "ETH-USD" })]
    [InlineData("e", new[] { "eth" })]
    [InlineData("m", new[] { "mu_24_5" })]
    [InlineData(".env.s", new[] { ".env.spx500m" })]
    [InlineData("'SP", new[] { "SPX500m-USD" })]
    [InlineData("z", new string[0])]
    public void Completion_offers_the_form_being_typed(string word, string[] expected) =>
        Assert.Equal(expected, MarketCompleter.Complete(Catalog, word).Select(c => c.Text));
}
