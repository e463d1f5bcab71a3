using MmOperator.Sandbox;

namespace MmOperator.Tests.Sandbox;

public sealed class SandboxBuilderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void It_lays_out_the_hosts_layout()
    {
        var root = Path.Combine(_dir.Path, "host");
        var sandbox = SandboxBuilder.Create(root, ["eth", "SPX500m-USD"], TestPaths.Python);

        foreach (var file in new[] { "bin/mmctl", "Code/MM/.env", "Code/MM/.env.eth", "Code/MM/.env.spx500m", "Code/MM/.env.example", "Code/MM/scripts/mm_advisor_submit.py", "Code/MM/scripts/mm_advisor_apply.py", "Code/MM/mm_config/policy/whitelist.json", "Code/MM/mm_config/policy/bounds.json", "Code/MM/mm_config/policy/protected_keys.json" })
        {
            Assert.True(File.Exists(Path.Combine(root, file)), file);
        }

        Assert.True((File.GetUnixFileMode(sandbox.MmctlPath) & UnixFileMode.UserExecute) != 0);
        Assert.Equal(TestPaths.Python, new FileInfo(sandbox.PythonPath).LinkTarget);
        // -S: the stand-in needs only the standard library, so site's start-up work is skipped.
        Assert.StartsWith("#!" + TestPaths.Python + " -S\n", File.ReadAllText(sandbox.MmctlPath), StringComparison.Ordinal);
        Assert.Equal(["ETH-USD", "SPX500m-USD"], sandbox.Markets);
        Assert.Equal(["eth", "spx500m"], MarketCatalog.Load(sandbox.RepoPath).Markets.Select(m => m.Slug));
        foreach (var policy in new[] { "whitelist.json", "bounds.json", "protected_keys.json" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(TestPaths.PolicyFixtures, policy)), File.ReadAllText(Path.Combine(sandbox.RepoPath, "mm_config", "policy", policy)));
        }
    }

    [Fact]
    public void Market_files_are_realistic_with_fake_non_empty_secrets()
    {
        var sandbox = SandboxBuilder.Create(Path.Combine(_dir.Path, "host"), ["MU_24_5-USD"], TestPaths.Python);

        var values = HostEnvReader.ReadValues(File.ReadAllText(Path.Combine(sandbox.RepoPath, ".env.mu_24_5")));
        var shared = HostEnvReader.ReadValues(File.ReadAllText(Path.Combine(sandbox.RepoPath, ".env")));

        Assert.Equal("MU_24_5-USD", values["MM_MARKET_NAME"]);
        Assert.Equal("1.5", values["MM_SPREAD_MULTIPLIER"]);
        foreach (var key in new[] { "MM_API_KEY", "MM_STARK_PRIVATE_KEY", "MM_STARK_PUBLIC_KEY", "MM_VAULT_ID", "MM_BUILDER_ID" })
        {
            Assert.True(values[key].Length >= 6, key);
        }

        Assert.Equal(values["MM_API_KEY"], shared["MM_API_KEY"]);
        Assert.True(File.Exists(Path.Combine(sandbox.RepoPath, ".env.mu_24_5.iter003")));
    }

    [Fact]
    public void Each_sandbox_has_its_own_secrets()
    {
        var a = SandboxBuilder.Create(Path.Combine(_dir.Path, "a"), ["eth"], TestPaths.Python);
        var b = SandboxBuilder.Create(Path.Combine(_dir.Path, "b"), ["eth"], TestPaths.Python);

        Assert.NotEqual(File.ReadAllText(Path.Combine(a.RepoPath, ".env")), File.ReadAllText(Path.Combine(b.RepoPath, ".env")));
    }

    [Fact]
    public void A_folder_that_is_not_empty_is_refused_untouched()
    {
        var file = _dir.Write("keep.txt", "mine");

        var error = Assert.Throws<OperatorException>(() => SandboxBuilder.Create(_dir.Path, ["eth"], TestPaths.Python));

        Assert.Equal(ErrorIds.SandboxPathNotEmpty, error.ErrorId);
        Assert.Equal([file], Directory.GetFileSystemEntries(_dir.Path));
    }

    [Theory]
    [InlineData("eth/..")]
    [InlineData("ETH")]
    [InlineData("eth usd")]
    [InlineData("")]
    public void Sandbox_markets_must_be_a_symbol_or_a_slug(string market) =>
        Assert.Equal(ErrorIds.InvalidSandboxMarket, Assert.Throws<OperatorException>(() => SandboxBuilder.ParseMarket(market)).ErrorId);

    [Fact]
    public void FindPython_prefers_a_native_interpreter_over_a_wrapper_script()
    {
        var shim = _dir.Write("shims/python3", "#!/bin/sh\nexec python3 \"$@\"\n");
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var found = SandboxBuilder.FindPython(Path.Combine(_dir.Path, "shims") + ":" + Path.GetDirectoryName(TestPaths.Python));

        Assert.Equal(TestPaths.Python, found);
        Assert.Equal(shim, SandboxBuilder.FindPython(Path.Combine(_dir.Path, "shims")));
        Assert.Null(SandboxBuilder.FindPython(Path.Combine(_dir.Path, "none")));
    }

    [Fact]
    public void The_die_after_fault_makes_a_started_bot_crash_by_itself()
    {
        var sandbox = SandboxBuilder.Create(Path.Combine(_dir.Path, "host"), ["eth"], TestPaths.Python);
        var start = new System.Diagnostics.ProcessStartInfo(sandbox.MmctlPath, ["start", "eth", "--json"]) { RedirectStandardOutput = true, WorkingDirectory = sandbox.RepoPath };
        start.Environment["MM_SANDBOX_FAULT"] = "die-after:0.4";
        using var mmctl = System.Diagnostics.Process.Start(start)!;
        var answer = System.Text.Json.JsonDocument.Parse(mmctl.StandardOutput.ReadToEnd()).RootElement;
        mmctl.WaitForExit();
        var pid = answer.GetProperty("pid").GetInt32();

        Assert.Equal("started", answer.GetProperty("status").GetString());
        Assert.True(IsAlive(pid), "the bot runs at first");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (IsAlive(pid) && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(20);
        }

        Assert.False(IsAlive(pid), "the bot crashed by itself");
    }

    /// <summary>Alive and not a zombie (nobody reaps a bot whose mmctl has exited until init does).</summary>
    private static bool IsAlive(int pid)
    {
        var stat = File.Exists($"/proc/{pid}/stat") ? File.ReadAllText($"/proc/{pid}/stat") : string.Empty;
        return stat.Length > 0 && stat[stat.LastIndexOf(')') + 2] != 'Z';
    }
}
