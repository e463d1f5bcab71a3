using MmOperator.Security;
using MmOperator.Tests.Support;

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
}
