namespace MmOperator.Tests.EnvFiles;

public sealed class EnvPolicyTests : IDisposable
{
    private static readonly KeyRules NoExtra = KeyRules.Runbook;
    private readonly TempDir _repo = new();

    public void Dispose() => _repo.Dispose();

    private RepoPolicy FixturePolicy()
    {
        _repo.WritePolicyFixtures();

        return RepoPolicy.Load(_repo.Path);
    }

    [Theory]
    [InlineData("MM_API_KEY")]
    [InlineData("MM_STARK_PRIVATE_KEY")]
    [InlineData("MM_STARK_PUBLIC_KEY")]
    [InlineData("MM_VAULT_ID")]
    [InlineData("MM_BUILDER_ID")]
    [InlineData("mm_api_key")]
    [InlineData("Mm_Vault_Id")]
    [InlineData("MM_WEBHOOK_SECRET")]
    [InlineData("MM_WALLET_PASSPHRASE")]
    [InlineData("MM_SEED_MNEMONIC")]
    [InlineData("MM_OTHER_PRIVATE_KEY")]
    [InlineData("EXCHANGE_API_KEY")]
    [InlineData("ＭＭ＿ＡＰＩ＿ＫＥＹ")]
    [InlineData("MM_API\u200B_KEY")]
    [InlineData("MM_API_KEY\n")]
    [InlineData("MM_APIKEY")]
    [InlineData("MM_DB_PASSWORD")]
    [InlineData("MM_TELEGRAM_TOKEN")]
    [InlineData("MM_STARK_PRIVATEKEY")]
    public void Protected_and_secret_like_keys_are_protected_key_whatever_else_is_passed(string key)
    {
        var error = Assert.Throws<OperatorException>(() => EnvKeyPolicy.Check(key, allowNonMmKey: true, NoExtra));

        Assert.Equal(ErrorIds.ProtectedKey, error.ErrorId);
        Assert.Contains("protected_key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_the_repo_protects_are_protected() =>
        Assert.Equal(ErrorIds.ProtectedKey, Assert.Throws<OperatorException>(() => EnvKeyPolicy.Check("MM_DEPLOY_URL", false, new KeyRules(["MM_DEPLOY_URL"]))).ErrorId);

    [Theory]
    [InlineData("mm_spread_multiplier", ErrorIds.InvalidEnvKey)]
    [InlineData("MM_Spread", ErrorIds.InvalidEnvKey)]
    [InlineData("MM_SPRÉAD", ErrorIds.InvalidEnvKey)]
    [InlineData("MM-SPREAD", ErrorIds.InvalidEnvKey)]
    [InlineData("MM SPREAD", ErrorIds.InvalidEnvKey)]
    [InlineData("MM_A=B", ErrorIds.InvalidEnvKey)]
    [InlineData("MM_A\nMM_B", ErrorIds.InvalidEnvKey)]
    [InlineData("1MM", ErrorIds.InvalidEnvKey)]
    [InlineData("", ErrorIds.InvalidEnvKey)]
    [InlineData("MM_", ErrorIds.InvalidEnvKey)]
    [InlineData("EXTENDED_ENV", ErrorIds.NonMmKeyRefused)]
    [InlineData("PATH", ErrorIds.LoaderKeyRefused)]
    public void Other_keys_are_refused(string key, string id) =>
        Assert.Equal(id, Assert.Throws<OperatorException>(() => EnvKeyPolicy.Check(key, false, NoExtra)).ErrorId);

    [Theory]
    [InlineData("LD_PRELOAD")]
    [InlineData("GCONV_PATH")]
    [InlineData("PYTHONPATH")]
    [InlineData("lc_all")]
    public void A_loader_key_is_refused_with_its_own_id_even_when_non_MM_keys_are_allowed(string key)
    {
        var error = Assert.Throws<OperatorException>(() => EnvKeyPolicy.Check(key, allowNonMmKey: true, NoExtra));

        Assert.Equal((ErrorIds.LoaderKeyRefused, System.Management.Automation.ErrorCategory.PermissionDenied), (error.ErrorId, error.Category));
    }

    [Fact]
    public void A_non_MM_key_needs_an_explicit_allowance()
    {
        Assert.Equal("EXTENDED_ENV", EnvKeyPolicy.Check("EXTENDED_ENV", allowNonMmKey: true, NoExtra));
        Assert.Equal("MM_SPREAD_MULTIPLIER", EnvKeyPolicy.Check("MM_SPREAD_MULTIPLIER", false, NoExtra));
        Assert.Throws<OperatorException>(() => EnvKeyPolicy.Check(new string('A', EnvKeyPolicy.MaxLength + 1), true, NoExtra));
    }

    [Theory]
    [InlineData("a\nb", "line break")]
    [InlineData("a\rb", "line break")]
    [InlineData("a\0b", "NUL")]
    [InlineData("a\tb", "control")]
    [InlineData("é", "non-ASCII")]
    [InlineData("\"1.5\"", "quotes")]
    [InlineData("'1.5'", "quotes")]
    [InlineData("`x`", "quotes")]
    [InlineData("${HOME}", "'$'")]
    [InlineData(" 1.5", "whitespace")]
    [InlineData("1.5 ", "whitespace")]
    [InlineData("a #b", "comment")]
    [InlineData("#a", "comment")]
    public void Values_the_host_cannot_store_faithfully_are_refused(string value, string problem)
    {
        var error = Assert.Throws<OperatorException>(() => EnvValuePolicy.Check("MM_NOTE", value, FixturePolicy()));

        Assert.Equal(ErrorIds.InvalidEnvValue, error.ErrorId);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_over_long_value_is_refused() =>
        Assert.Equal(ErrorIds.InvalidEnvValue, Assert.Throws<OperatorException>(() => EnvValuePolicy.Check("MM_NOTE", new string('x', 1024 * 1024), FixturePolicy())).ErrorId);

    [Theory]
    [InlineData("MM_NUM_PRICE_LEVELS", "20", "20")]
    [InlineData("MM_NUM_PRICE_LEVELS", "21", null)]
    [InlineData("MM_NUM_PRICE_LEVELS", "0", null)]
    [InlineData("MM_NUM_PRICE_LEVELS", "2.5", null)]
    [InlineData("MM_NUM_PRICE_LEVELS", "+3", "3")]
    [InlineData("MM_NUM_PRICE_LEVELS", "007", "7")]
    [InlineData("MM_NUM_PRICE_LEVELS", "5_0", null)]
    [InlineData("MM_SPREAD_MULTIPLIER", "1.8", "1.8")]
    [InlineData("MM_SPREAD_MULTIPLIER", "1.80", "1.8")]
    [InlineData("MM_SPREAD_MULTIPLIER", "2.000", "2")]
    [InlineData("MM_SPREAD_MULTIPLIER", "1e1", "10")]
    [InlineData("MM_SPREAD_MULTIPLIER", "0", null)]
    [InlineData("MM_SPREAD_MULTIPLIER", "-0.1", null)]
    [InlineData("MM_SPREAD_MULTIPLIER", "nan", null)]
    [InlineData("MM_SPREAD_MULTIPLIER", "inf", null)]
    [InlineData("MM_SPREAD_MULTIPLIER", "Infinity", null)]
    [InlineData("MM_SPREAD_MULTIPLIER", "1e400", null)]
    [InlineData("MM_SPREAD_MULTIPLIER", "abc", null)]
    [InlineData("MM_SPREAD_MULTIPLIER", "", null)]
    [InlineData("MM_FAILURE_RATE_TRIP", "1.0", "1")]
    [InlineData("MM_FAILURE_RATE_TRIP", "1.01", null)]
    [InlineData("MM_TREND_ENABLED", "true", "true")]
    [InlineData("MM_TREND_ENABLED", "TRUE", "true")]
    [InlineData("MM_TREND_ENABLED", "False", "false")]
    [InlineData("MM_TREND_ENABLED", "0", "false")]
    [InlineData("MM_TREND_ENABLED", "1", "true")]
    [InlineData("MM_TREND_ENABLED", "yes", null)]
    [InlineData("MM_ENVIRONMENT", "staging", null)]
    [InlineData("MM_OFFSET_MODE", "Dynamic", "dynamic")]
    [InlineData("MM_OFFSET_MODE", "sideways", null)]
    [InlineData("MM_QUOTE_ANCHOR", "mark", null)]
    [InlineData("MM_BALANCE_STALE_ACTION", "halt", "halt")]
    [InlineData("MM_BALANCE_STALE_ACTION", "HALT", null)]
    [InlineData("MM_MARKET_NAME", "ETH-USD", "ETH-USD")]
    [InlineData("MM_NOT_IN_BOUNDS", "anything", "anything")]
    public void The_bots_settings_and_the_repos_bounds_type_the_value_which_is_stored_as_the_host_would(string key, string value, string? stored)
    {
        var policy = FixturePolicy();

        if (stored is not null)
        {
            Assert.Equal(stored, EnvValuePolicy.Check(key, value, policy));
        }
        else
        {
            Assert.Equal(ErrorIds.EnvValueOutOfBounds, Assert.Throws<OperatorException>(() => EnvValuePolicy.Check(key, value, policy)).ErrorId);
        }
    }

    [Fact]
    public void A_value_the_bot_would_refuse_says_the_bot_would_not_start()
    {
        var refusal = Assert.Throws<OperatorException>(() => EnvValuePolicy.Check("MM_OFFSET_MODE", "sideways", FixturePolicy()));

        Assert.Contains("must be one of: fixed, dynamic", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("the bot would not start", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repos_bounds_add_to_the_bots_settings()
    {
        _repo.Write(Path.Combine("mm_config", "policy", "bounds.json"), "{\"MM_NUM_PRICE_LEVELS\": {\"type\": \"int\", \"min\": 1, \"max\": 5}, \"MM_DESK\": {\"type\": \"string\", \"allowed\": [\"a\", \"b\"]}}");
        var policy = RepoPolicy.Load(_repo.Path);

        Assert.Equal(ErrorIds.EnvValueOutOfBounds, Assert.Throws<OperatorException>(() => EnvValuePolicy.Check("MM_NUM_PRICE_LEVELS", "6", policy)).ErrorId);
        Assert.Equal(ErrorIds.EnvValueOutOfBounds, Assert.Throws<OperatorException>(() => EnvValuePolicy.Check("MM_NUM_PRICE_LEVELS", "-1", policy)).ErrorId);
        Assert.Equal(ErrorIds.EnvValueOutOfBounds, Assert.Throws<OperatorException>(() => EnvValuePolicy.Check("MM_DESK", "c", policy)).ErrorId);
        Assert.Equal("b", EnvValuePolicy.Check("MM_DESK", "b", policy));
    }

    [Theory]
    [InlineData("MM_ENVIRONMENT", "mainnet")]
    [InlineData("MM_MARKET_NAME", "what a market file trades")]
    [InlineData("mm_environment", "mainnet")]
    public void Keys_only_a_human_may_change_are_refused_with_their_own_id(string key, string why)
    {
        var refusal = Assert.Throws<OperatorException>(() => EnvKeyPolicy.Check(key, allowNonMmKey: true, NoExtra));

        Assert.Equal(ErrorIds.HumanOnlyKey, refusal.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.PermissionDenied, refusal.Category);
        Assert.Contains(why, refusal.Message, StringComparison.Ordinal);
        Assert.Contains("only a human", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_settings_cover_every_key_of_the_bots_policy_files()
    {
        var bounds = FixturePolicy().Bounds;

        Assert.Equal(121, RepoPolicy.Settings.Count);
        Assert.All(RepoPolicy.Settings, s => Assert.Equal(bounds[s.Key].Type, s.Value.Type));
        Assert.Equal(["testnet", "mainnet"], RepoPolicy.Settings["MM_ENVIRONMENT"].Allowed!);
    }

    [Fact]
    public void The_repo_policy_reads_the_fixture_files()
    {
        var policy = FixturePolicy();

        Assert.Contains("MM_SPREAD_MULTIPLIER", policy.Whitelist);
        Assert.DoesNotContain("MM_API_KEY", policy.Whitelist);
        Assert.Equal(new KeyBounds("int", 1, 20), policy.Bounds["MM_NUM_PRICE_LEVELS"]);
        Assert.True(policy.Keys.IsProtected("MM_VAULT_ID"));
    }

    [Fact]
    public void A_malformed_policy_file_is_an_error_not_an_empty_policy()
    {
        _repo.Write(Path.Combine("mm_config", "policy", "bounds.json"), "{ not json");

        Assert.Equal(ErrorIds.PolicyUnreadable, Assert.Throws<OperatorException>(() => RepoPolicy.Load(_repo.Path)).ErrorId);
    }

    [Fact]
    public void A_missing_policy_is_empty() => Assert.Empty(RepoPolicy.Load(_repo.Path).Bounds);
}
