namespace MmOperator.Tests.Security;

public class SecretMaskerTests
{
    [Theory]
    [InlineData("MM_API_KEY", true)]
    [InlineData("MM_STARK_PRIVATE_KEY", true)]
    [InlineData("MM_STARK_PUBLIC_KEY", true)]
    [InlineData("MM_VAULT_ID", true)]
    [InlineData("MM_BUILDER_ID", true)]
    [InlineData("mm_api_key", true)]
    [InlineData("OTHER_PRIVATE_KEY_2", true)]
    [InlineData("MM_WEBHOOK_SECRET", true)]
    [InlineData("MM_PASSPHRASE", true)]
    [InlineData("WALLET_MNEMONIC", true)]
    [InlineData("EXCHANGE_API_KEY", true)]
    [InlineData("MM_APIKEY", true)]
    [InlineData("MM_ADMIN_PASSWORD", true)]
    [InlineData("MM_SLACK_TOKEN", true)]
    [InlineData("MM_SPREAD_MULTIPLIER", false)]
    [InlineData("MM_BUILDER_FEE_RATE", false)]
    [InlineData("MM_MARKET_NAME", false)]
    public void The_protected_key_rule(string key, bool isProtected) => Assert.Equal(isProtected, KeyRules.Runbook.IsProtected(key));

    [Fact]
    public void Keys_added_by_the_repo_policy_are_protected() =>
        Assert.True(new KeyRules(["MM_DEPLOY_URL"]).IsProtected("MM_DEPLOY_URL"));

    [Fact]
    public void Values_from_the_repo_and_secret_assignments_are_masked()
    {
        using var repo = new TempDir();
        repo.Write(".env", "MM_API_KEY=sbx-abcdef123456\nMM_LOG_LEVEL=INFO\n");
        repo.Write(".env.eth", "MM_STARK_PRIVATE_KEY=0xdeadbeefcafe  # keep\nMM_BUILDER_ID=0\nMM_MARKET_NAME=ETH-USD\n");
        var masker = SecretMasker.ForRepo(repo.Path);

        var text = masker.Apply("error: key sbx-abcdef123456 rejected; pk=0xdeadbeefcafe; MM_BUILDER_ID=0; {\"MM_VAULT_ID\": \"12345\"}; market ETH-USD level INFO");

        Assert.DoesNotContain("sbx-abcdef123456", text, StringComparison.Ordinal);
        Assert.DoesNotContain("0xdeadbeefcafe", text, StringComparison.Ordinal);
        Assert.Contains("MM_BUILDER_ID=" + SecretMasker.Mask, text, StringComparison.Ordinal);
        Assert.Contains("\"MM_VAULT_ID\": \"" + SecretMasker.Mask + "\"", text, StringComparison.Ordinal);
        Assert.Contains("market ETH-USD level INFO", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_common_values_are_not_replaced_everywhere()
    {
        var masker = new SecretMasker(["0", "true"]);

        Assert.Equal("pid 1020, ok true", masker.Apply("pid 1020, ok true"));
    }

    [Fact]
    public void What_the_caller_typed_is_masked_the_same_whatever_the_secrets_are()
    {
        var masker = new SecretMasker(["2118250"]);

        Assert.Equal("vault 2118250", SecretMasker.HideAssignments("vault 2118250"));
        Assert.Equal("vault ********", masker.Apply("vault 2118250"));
        Assert.Equal("hook MM_WEBHOOK_SECRET=" + SecretMasker.Mask, SecretMasker.HideAssignments("hook MM_WEBHOOK_SECRET=abc"));
    }

    [Theory]
    [InlineData("webhook_secret=hooks.example.com/desk", true)]
    [InlineData("note x=webhook_secret=y", true)]
    [InlineData("{\"MM_API_KEY\": \"abc\"}", true)]
    [InlineData("SEV1: drawdown on ETH", false)]
    [InlineData("spread=1.5 MM_API_KEY rotated", false)]
    [InlineData("2118250", false)]
    public void Text_that_would_need_masking_is_recognised(string text, bool needs) => Assert.Equal(needs, SecretMasker.NeedsMasking(text));

    [Fact]
    public void A_key_protected_only_by_the_repos_policy_is_masked_too()
    {
        using var repo = new TempDir();
        repo.WritePolicyFixtures();
        repo.Write(Path.Combine("mm_config", "policy", "protected_keys.json"), "[\"MM_DESK_WEBHOOK\"]");
        repo.Write(".env.eth", "MM_MARKET_NAME=ETH-USD\nMM_DESK_WEBHOOK=https://hooks.example/desk-8c1f2a\n");
        var masker = SecretMasker.ForRepo(repo.Path);

        var text = masker.Apply("posted to https://hooks.example/desk-8c1f2a; {\"MM_DESK_WEBHOOK\": \"other-value\"}; MM_DESK_WEBHOOK=third");

        Assert.Equal("posted to ********; {\"MM_DESK_WEBHOOK\": \"********\"}; MM_DESK_WEBHOOK=********", text);
    }

    [Fact]
    public void An_unreadable_protected_keys_file_hides_every_value()
    {
        using var repo = new TempDir();
        repo.Write(Path.Combine("mm_config", "policy", "protected_keys.json"), "[\"MM_DESK_WEBHOOK\"");
        repo.Write(".env.eth", "MM_MARKET_NAME=ETH-USD\nMM_DESK_WEBHOOK=https://hooks.example/desk-8c1f2a\n");

        Assert.Equal("******** ********", SecretMasker.ForRepo(repo.Path).Apply("ETH-USD https://hooks.example/desk-8c1f2a"));
    }

    /// <summary>
    /// The host's JSON answers field by field: an id or a value of an ordinary key that holds the vault id
    /// is kept as it is (the listing must still match the file, and no answer may tell whether it holds
    /// it), a protected key's values are masked whole, and error text is free text.
    /// </summary>
    [Fact]
    public void A_json_answer_is_masked_by_field_not_by_what_its_structured_values_hold()
    {
        var masker = new SecretMasker(["2118250", "sk-live-7f3a9c01"]);
        const string listing = """
            {"pending": 2, "mode": "human", "proposals_path": "/r/data/mm_audit/advisor/proposals.jsonl", "results": [
              {"proposal_id": "SIZE-2118250", "market": "ETH-USD", "param": "MM_MAX_POSITION_SIZE", "old": "100", "proposed": "121182500", "ts": 2118250},
              {"proposal_id": "KEY-1", "market": "ETH-USD", "param": "MM_HMAC_KEY", "old": "hmac-old-value", "proposed": "hmac-new-value"}],
             "error": "bad key sk-live-7f3a9c01 near 2118250", "note": "vault 2118250", "extra": 121182500}
            """;

        var shown = System.Text.Json.JsonDocument.Parse(masker.ApplyToOutput(listing)).RootElement;

        var rows = shown.GetProperty("results");
        Assert.Equal(("SIZE-2118250", "100", "121182500", 2118250), (rows[0].GetProperty("proposal_id").GetString(), rows[0].GetProperty("old").GetString(), rows[0].GetProperty("proposed").GetString(), rows[0].GetProperty("ts").GetInt32()));
        Assert.Equal((SecretMasker.Mask, SecretMasker.Mask), (rows[1].GetProperty("old").GetString(), rows[1].GetProperty("proposed").GetString()));
        Assert.Equal("bad key ******** near ********", shown.GetProperty("error").GetString());
        Assert.Equal(("vault ********", "1********0"), (shown.GetProperty("note").GetString(), shown.GetProperty("extra").GetString()));
    }

    [Theory]
    [InlineData("Traceback: key sk-live-7f3a9c01 refused", "Traceback: key ******** refused")]
    [InlineData("{\"pid\": 1} trailing sk-live-7f3a9c01", "{\"pid\": 1} trailing ********")]
    [InlineData("{\"error\": \"\\ud800 sk-live-7f3a9c01\"}", "{\"error\": \"\\ud800 ********\"}")]
    public void Output_that_is_not_one_readable_json_value_is_free_text(string output, string shown) =>
        Assert.Equal(shown, new SecretMasker(["sk-live-7f3a9c01"]).ApplyToOutput(output));

    [Fact]
    public void A_json_answer_keeps_its_layout()
    {
        const string status = "{\n  \"instances\": [\n    {\n      \"status\": \"running\",\n      \"pid\": 8340\n    }\n  ]\n}\n";

        Assert.Equal(status, SecretMasker.None.ApplyToOutput(status));
        Assert.Equal("{\"ok\":true,\"proposal_ids\":[\"a\"]}", SecretMasker.None.ApplyToOutput("{\"ok\": true, \"proposal_ids\": [\"a\"]}"));
    }
}
