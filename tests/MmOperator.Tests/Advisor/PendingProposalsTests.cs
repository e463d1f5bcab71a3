using System.Text.Json;
using MmOperator.IO;

namespace MmOperator.Tests.Advisor;

/// <summary>
/// The module's reading of the advisor files against the recorded real apply script
/// (tests/fixtures/conformance): the same ids in the same order, for listing, approval by id and warren-auto.
/// </summary>
public sealed class PendingProposalsTests
{
    private const string Folder = "Code/MM/data/mm_audit/advisor/";

    public static TheoryData<string> Listings => Scenarios(argv => argv.Contains("--list-pending"));

    public static TheoryData<string> ApprovalsById => Scenarios(argv => argv.Contains("--proposal-id"));

    public static TheoryData<string> WarrenAutoRuns => Scenarios(argv => argv.Contains("warren-auto"));

    [Theory]
    [MemberData(nameof(Listings))]
    public void Pending_proposals_are_the_ones_the_script_lists_in_its_order(string scenario)
    {
        using var recorded = Load(scenario);
        var argv = Argv(recorded);
        var market = Option(argv, "--market");
        var files = PendingProposals.Parse(FileLines(recorded, "proposals.jsonl", market), FileLines(recorded, "apply_receipts.jsonl"));
        var listed = Results(recorded);

        var cap = Option(argv, "--list-limit") == "0" ? int.MaxValue : PendingProposals.ListCap;
        Assert.Equal(listed, files.Pending.Select(p => p.Id).Take(cap));
        Assert.Null(files.Disagreement(listed));
    }

    [Fact]
    public void Sixty_one_pending_are_all_read_though_the_script_lists_fifty()
    {
        using var capped = Load("091-apply-list-61");
        var files = PendingProposals.Parse(FileLines(capped, "proposals.jsonl"), []);

        Assert.Equal(PendingProposals.ListCap, Results(capped).Count);
        Assert.Equal(61, files.Pending.Count);
        Assert.Equal(["q-02", "q-01"], files.Pending.Skip(59).Select(p => p.Id));
    }

    [Theory]
    [MemberData(nameof(ApprovalsById))]
    public void An_id_is_pending_not_pending_or_unknown_as_the_script_says(string scenario)
    {
        using var recorded = Load(scenario);
        var id = Option(Argv(recorded), "--proposal-id")!;
        var files = PendingProposals.Parse(FileLines(recorded, "proposals.jsonl"), FileLines(recorded, "apply_receipts.jsonl"));
        using var parsed = Stdout(recorded);
        var output = parsed.RootElement;

        var expected = output.TryGetProperty("reason", out var reason) ? reason.GetString() : "pending";
        var actual = files.Pending.Any(p => p.Id == id) ? "pending" : files.Contains(id) ? "proposal_not_pending" : "proposal_id_not_found";
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void An_id_in_several_rows_is_taken_from_its_newest_row()
    {
        using var recorded = Load("127-apply-approve-duplicate-id-latest");
        var files = PendingProposals.Parse(FileLines(recorded, "proposals.jsonl"), []);
        var changelog = recorded.RootElement.GetProperty("files_after").GetProperty("Code/MM/data/mm_audit/config_changelog.jsonl").GetProperty("content").GetString()!;

        using var applied = JsonDocument.Parse(changelog.Split('\n')[0]);
        Assert.Equal(applied.RootElement.GetProperty("proposed").GetString(), files.Pending.Single().ToProposal(MmOperator.Security.KeyRules.Runbook).NewValue);
    }

    [Fact]
    public void A_proposal_shows_its_submitters_reason_escaped_with_secret_assignments_masked()
    {
        using var listed = Load("089-apply-list-one");
        using var separated = Load("170-apply-list-cr-line-ends");
        string? Note(JsonDocument recorded, string id) => PendingProposals.Parse(FileLines(recorded, "proposals.jsonl"), []).Pending
            .Single(p => p.Id == id).ToProposal(MmOperator.Security.KeyRules.Runbook).Shown().ReasonNote;
        var leaked = PendingProposals.Parse(["{\"proposal_id\": \"p-1\", \"ts\": 1, \"param\": \"MM_SPREAD_MULTIPLIER\", \"reason_note\": \"new MM_API_KEY=abc123 in use\"}"], []);

        Assert.Equal("x", Note(listed, "eth-1"));
        Assert.Equal("a\\u{2028}b", Note(separated, "c-3"));
        Assert.Null(Note(separated, "c-1"));
        Assert.Equal("new MM_API_KEY=******** in use", leaked.Pending.Single().ToProposal(MmOperator.Security.KeyRules.Runbook).ReasonNote);
    }

    [Theory]
    [MemberData(nameof(WarrenAutoRuns))]
    public void Warren_auto_takes_what_the_script_applies_in_its_order(string scenario)
    {
        using var recorded = Load(scenario);
        var limit = Option(Argv(recorded), "--limit") is { } given ? int.Parse(given, System.Globalization.CultureInfo.InvariantCulture) : PendingProposals.WarrenAutoLimit;
        var files = PendingProposals.Parse(FileLines(recorded, "proposals.jsonl"), FileLines(recorded, "apply_receipts.jsonl"));

        Assert.Equal(Results(recorded), files.WarrenAuto(limit).Select(p => p.Id));
    }

    [Fact]
    public void Warren_auto_takes_at_most_twenty_the_oldest_first()
    {
        using var recorded = Load("137-apply-warren-limit");
        var files = PendingProposals.Parse(FileLines(recorded, "proposals.jsonl"), []);

        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"wl-{i:00}"), files.WarrenAuto().Select(p => p.Id));
    }

    [Fact]
    public void A_listing_the_files_do_not_give_is_a_disagreement()
    {
        var files = PendingProposals.Parse([Row("a", 2), Row("b", 1), Row("c", 3)], []);

        Assert.Null(files.Disagreement(["c", "a", "b"]));
        Assert.Contains("row 2", files.Disagreement(["c", "b", "a"]), StringComparison.Ordinal);
        Assert.Contains("lists 2, the files give 3", files.Disagreement(["c", "a"]), StringComparison.Ordinal);
        Assert.Contains("the files give 'nothing'", files.Disagreement(["c", "a", "b", "d"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"1772500050.5\"", 1772500050.5)]
    [InlineData("\" 12 \"", 12.0)]
    [InlineData("\"1_0\"", 10.0)]
    [InlineData("\"+.5\"", 0.5)]
    [InlineData("\"5.\"", 5.0)]
    [InlineData("1e400", double.PositiveInfinity)]
    [InlineData("\"-Infinity\"", double.NegativeInfinity)]
    [InlineData("\"soon\"", null)]
    [InlineData("\"0x10\"", null)]
    [InlineData("true", null)]
    [InlineData("null", null)]
    [InlineData("[1]", null)]
    public void Ts_is_read_as_python_reads_a_decimal(string json, double? expected)
    {
        using var value = JsonDocument.Parse(json);

        Assert.Equal(expected, ProposalRecord.Decimal(value.RootElement));
    }

    [Fact]
    public void Lines_the_script_cannot_read_are_ignored_and_ids_are_read_as_python_writes_them()
    {
        var files = PendingProposals.Parse(
            ["\uFEFF" + Row("bom", 9), "\u001c" + Row("padded", 8) + "\u00a0", """{"proposal_id": 7, "ts": 7}""", """{"proposal_id": 0, "ts": 6}""", "[1]", "{"],
            ["""{"proposal_id": 7, "result": "applied"}"""]);

        Assert.Equal(["padded"], files.Pending.Select(p => p.Id));
        Assert.True(files.Contains("7"));
        Assert.False(files.Contains("bom"));
    }

    [Fact]
    public void A_row_dotnet_cannot_read_as_python_does_stops_the_reading()
    {
        var error = Assert.Throws<OperatorException>(() => PendingProposals.Parse([Row("a", 1).Replace("\"a\"", "\"a\\ud800\"", StringComparison.Ordinal)], []));

        Assert.Equal(ErrorIds.AdvisorFilesUnreadable, error.ErrorId);
    }

    [Fact]
    public void Missing_files_are_empty_and_nothing_is_created()
    {
        using var repo = new TempDir();

        Assert.Empty(PendingProposals.Read(repo.Path).Pending);
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo.Path));
    }

    private static string Row(string id, double ts) => JsonSerializer.Serialize(new Dictionary<string, object> { ["proposal_id"] = id, ["ts"] = ts, ["market"] = "ETH-USD", ["param"] = "MM_SPREAD_MULTIPLIER", ["proposed"] = "1.6" });

    private static TheoryData<string> Scenarios(Func<List<string>, bool> select)
    {
        var names = Directory.GetFiles(TestPaths.ConformanceFixtures, "*-apply-*.json")
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Where(name =>
            {
                // A run that ended in a traceback answered nothing to compare with.
                using var recorded = Load(name);
                return select(Argv(recorded)) && recorded.RootElement.GetProperty("stdout").GetString()!.Length > 0;
            })
            .Order(StringComparer.Ordinal);
        var data = new TheoryData<string>();
        foreach (var name in names)
        {
            data.Add(name);
        }

        return data;
    }

    private static JsonDocument Load(string name) => JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.ConformanceFixtures, name + ".json")));

    private static List<string> Argv(JsonDocument recorded) => recorded.RootElement.GetProperty("argv").EnumerateArray().Select(a => a.GetString()!).ToList();

    private static string? Option(List<string> argv, string name) => argv.IndexOf(name) is var at and >= 0 ? argv[at + 1] : null;

    /// <summary>The script's answer, read as the module reads it (it may hold NaN, which the recording's stdout_json cannot).</summary>
    private static JsonDocument Stdout(JsonDocument recorded) => PythonJson.Parse(recorded.RootElement.GetProperty("stdout").GetString()!);

    private static List<string> Results(JsonDocument recorded)
    {
        using var output = Stdout(recorded);
        return output.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("proposal_id").GetString()!).ToList();
    }

    /// <summary>An advisor file as the scenario set it up, one string a line as Python's text mode ends them; with a market, only its rows (the script filters before it sorts).</summary>
    private static string[] FileLines(JsonDocument recorded, string name, string? market = null)
    {
        var lines = recorded.RootElement.GetProperty("setup").GetProperty("files").TryGetProperty(Linked(recorded, Folder + name), out var file)
            ? System.Text.RegularExpressions.Regex.Split(file.GetProperty("content").GetString()!, "\r\n|\n|\r")
            : [];
        return market is null ? lines : lines.Where(line => line.Contains($"\"market\": \"{market}\"", StringComparison.Ordinal)).ToArray();
    }

    /// <summary>Where a path of the scenario leads through its setup's symbolic links (a linked data/ folder), relative to the root.</summary>
    private static string Linked(JsonDocument recorded, string path)
    {
        if (!recorded.RootElement.GetProperty("setup").TryGetProperty("symlinks", out var links))
        {
            return path;
        }

        foreach (var link in links.EnumerateObject().Where(l => path.StartsWith(l.Name + "/", StringComparison.Ordinal)))
        {
            return Path.GetRelativePath(Conformance.Scenario.RecordedRoot, link.Value.GetString()!) + path[link.Name.Length..];
        }

        return path;
    }
}
