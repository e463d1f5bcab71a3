using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MmOperator.Sandbox;

namespace MmOperator.Tests.Security;

/// <summary>
/// tests/fixtures/key-cases.json, the one table of key cases: every case through the module's rule, and
/// every case through the host's stand-in scripts, which must answer as the recorded host does.
/// </summary>
public sealed partial class KeyCasesTests
{
    private static readonly JsonElement Table = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Fixtures, "key-cases.json"))).RootElement;

    private static readonly List<JsonElement> Cases = Table.GetProperty("cases").EnumerateArray().ToList();

    private static readonly KeyRules Rules = new(RepoProtected);

    private static IReadOnlyList<string> RepoProtected => Table.GetProperty("repoProtected").EnumerateArray().Select(k => k.GetString()!).ToList();

    /// <summary>Case numbers, not keys: keys with line breaks and invisible characters make poor test names.</summary>
    public static TheoryData<int> CaseNumbers => new(Enumerable.Range(0, Cases.Count));

    private static string Field(int index, string name) => Cases[index].GetProperty(name).GetString()!;

    private static string Name(KeyVerdict verdict) => verdict switch
    {
        KeyVerdict.Protected => "protected",
        KeyVerdict.HumanOnly => "human-only",
        KeyVerdict.Invalid => "invalid",
        KeyVerdict.NonMm => "non-mm",
        KeyVerdict.Loader => "loader",
        _ => "allowed",
    };

    [Theory]
    [MemberData(nameof(CaseNumbers))]
    public void The_module_answers_as_the_table_says(int index) =>
        Assert.Equal(Field(index, "module"), Name(Rules.Verdict(Field(index, "key"), allowNonMmKey: false)));

    [Theory]
    [MemberData(nameof(CaseNumbers))]
    public void Masking_follows_the_same_rule(int index)
    {
        var key = Field(index, "key");
        var masked = new SecretMasker([], Rules).Apply($"{key}=value-of-the-key") is var text && !text.Contains("value-of-the-key", StringComparison.Ordinal);

        // The assignment net sees keys of letters, digits and '_' (blanks around them allowed); other spellings are masked by value.
        Assert.Equal(Field(index, "module") == "protected" && KeyWord().IsMatch(key.Trim()), masked);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_]+\\z")]
    private static partial System.Text.RegularExpressions.Regex KeyWord();

    [Theory]
    [MemberData(nameof(CaseNumbers))]
    public void The_module_is_never_laxer_than_the_host(int index)
    {
        if (Field(index, "submit") == "protected" || Field(index, "apply") == "protected")
        {
            Assert.Equal("protected", Field(index, "module"));
        }
    }

    [Fact]
    public void The_stand_ins_answer_as_the_recorded_host()
    {
        using var dir = new TempDir();
        var sandbox = SandboxBuilder.Create(Path.Combine(dir.Path, "host"), ["eth"], TestPaths.Python);
        var keys = Cases.Select(c => c.GetProperty("key").GetString()!).ToList();
        var policy = Path.Combine(sandbox.RepoPath, "mm_config", "policy");

        // Every key whitelisted with a string rule, so submit's answer is its key and protection checks alone.
        File.WriteAllText(Path.Combine(policy, "whitelist.json"), new JsonArray(keys.Select(k => (JsonNode)k).ToArray()).ToJsonString());
        File.WriteAllText(Path.Combine(policy, "bounds.json"), new JsonObject(keys.Distinct().Select(k => KeyValuePair.Create(k, (JsonNode?)new JsonObject { ["type"] = "string" }))).ToJsonString());
        File.WriteAllText(Path.Combine(policy, "protected_keys.json"), new JsonArray(RepoProtected.Select(k => (JsonNode)k).ToArray()).ToJsonString());

        var input = Path.Combine(dir.Path, "input.jsonl");
        File.WriteAllLines(input, keys.Select(k => new JsonObject { ["market"] = "ETH-USD", ["param"] = k, ["proposed"] = "x" }.ToJsonString()));
        var submitted = Run(sandbox, "mm_advisor_submit.py", "--input-jsonl", input, "--dry-run");
        var failures = submitted["failures"]!.AsArray().ToDictionary(f => (int)f!["line"]! - 1, f => (string)f!["error"]!);

        // Rows the warren-auto run selects (rule A11), one per key; --dry-run stops each after the checks (A5).
        var envPath = Path.Combine(sandbox.RepoPath, ".env.eth");
        File.WriteAllLines(Path.Combine(sandbox.RepoPath, "data", "mm_audit", "advisor", "proposals.jsonl"), keys.Select((k, i) => new JsonObject
        {
            ["proposal_id"] = $"case-{i}", ["ts"] = 1000 + i, ["market"] = "ETH-USD", ["env_path"] = envPath, ["param"] = k, ["old"] = null, ["proposed"] = "x",
            ["confidence"] = "high", ["guardrail_status"] = "passed", ["rejected"] = false, ["deadman"] = true, ["escalation_target"] = "warren",
        }.ToJsonString()));
        var applied = Run(sandbox, "mm_advisor_apply.py", "--mode", "warren-auto", "--approve", "--dry-run", "--limit", "0");
        var reasons = applied["results"]!.AsArray().ToDictionary(r => (string)r!["proposal_id"]!, r => (string?)r!["failure_reason"]);

        var differences = keys.Select((key, i) => (key, i, submit: SubmitVerdict(failures.GetValueOrDefault(i)), apply: reasons.GetValueOrDefault($"case-{i}") == "protected_key" ? "protected" : "allowed"))
            .Where(c => c.submit != Field(c.i, "submit") || c.apply != Field(c.i, "apply"))
            .Select(c => $"{JsonSerializer.Serialize(c.key)}: submit {c.submit} (table {Field(c.i, "submit")}), apply {c.apply} (table {Field(c.i, "apply")})");
        Assert.Empty(differences);
        Assert.Equal(keys.Count, reasons.Count);
    }

    private static string SubmitVerdict(string? error) => error switch
    {
        null => "allowed",
        _ when error.StartsWith("invalid param:", StringComparison.Ordinal) => "invalid",
        _ when error.StartsWith("param is protected:", StringComparison.Ordinal) => "protected",
        _ => "unexpected: " + error,
    };

    private static JsonNode Run(SandboxInfo sandbox, string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(sandbox.PythonPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(sandbox.RepoPath, "scripts", script));
        foreach (var argument in new[] { "--repo", sandbox.RepoPath }.Concat(arguments).Append("--json"))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return JsonNode.Parse(stdout) ?? throw new InvalidOperationException($"{script} printed nothing: {stderr}");
    }
}
