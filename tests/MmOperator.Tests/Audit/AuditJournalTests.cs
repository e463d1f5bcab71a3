using System.Text.Json;

namespace MmOperator.Tests.Audit;

public sealed class AuditJournalTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string JournalPath => Path.Combine(_dir.Path, "state", "audit.jsonl");

    private static AuditRecord Attempt(string market, AuditOutcome outcome = AuditOutcome.Succeeded) => new()
    {
        User = "op", HostName = "h", ProcessId = 1, LanguageMode = "FullLanguage", Cmdlet = "Stop-MmMarket",
        Action = "stop", Market = market, Reason = "test", Approval = "ConfirmFalse", Argv = ["/bin/mmctl", "stop", "eth", "--json"],
        ExitCode = 0, Outcome = outcome, Result = JsonDocument.Parse("{\"status\": \"stopped\", \"pid\": 8593}").RootElement.Clone(),
    };

    [Fact]
    public void Records_chain_from_genesis_and_read_back()
    {
        var journal = new AuditJournal(JournalPath);

        var first = journal.Append(Attempt("ETH-USD"));
        var second = journal.Append(Attempt("BTC-USD"));

        Assert.Equal(AuditJournal.GenesisHash, first.PrevHash);
        Assert.Equal(first.Hash, second.PrevHash);
        Assert.NotEqual(first.Id, second.Id);
        var lines = File.ReadAllLines(JournalPath);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("{\"prev_hash\":\"" + AuditJournal.GenesisHash + "\",\"id\":", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(",\"hash\":\"" + first.Hash + "\"}", lines[0], StringComparison.Ordinal);
        var read = journal.Read().ToList();
        Assert.Equal(["ETH-USD", "BTC-USD"], read.Select(r => r.Market));
        Assert.Equal([1, 2], read.Select(r => r.Line));
        Assert.Equal(8593, ((JsonElement)read[0].Result!).GetProperty("pid").GetInt32());
        Assert.Equal(new AuditVerification(JournalPath, 2, true, null, null), journal.Verify());
    }

    [Fact]
    public void The_last_record_with_an_outcome_is_found_and_typed_text_cannot_pose_as_it()
    {
        var journal = new AuditJournal(JournalPath);
        Assert.Null(journal.Last(AuditOutcome.Failed));

        journal.Append(Attempt("ETH-USD", AuditOutcome.Failed));
        journal.Append(Attempt("BTC-USD", AuditOutcome.Failed));
        var posing = Attempt("SOL-USD");
        posing.Reason = "copied \"outcome\":\"Failed\" from a log";
        posing.Detail = "{\"outcome\":\"Failed\"}";
        journal.Append(posing);

        var last = journal.Last(AuditOutcome.Failed);
        Assert.Equal(("BTC-USD", 2), (last!.Market, last.Line));
        Assert.Equal("SOL-USD", journal.Last(AuditOutcome.Succeeded)!.Market);
    }

    [Fact]
    public void The_file_is_private_to_its_owner()
    {
        new AuditJournal(JournalPath).Append(Attempt("ETH-USD"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(JournalPath));
    }

    [Theory]
    [InlineData("\"reason\":\"test\"", "\"reason\":\"tost\"", "changed after it was written")]
    [InlineData("\"outcome\":\"Failed\"", "\"outcome\":\"Succeeded\"", "changed after it was written")]
    public void An_edited_record_is_found(string from, string to, string problem)
    {
        var journal = new AuditJournal(JournalPath);
        journal.Append(Attempt("ETH-USD"));
        journal.Append(Attempt("BTC-USD", AuditOutcome.Failed));
        journal.Append(Attempt("SOL-USD"));
        var lines = File.ReadAllLines(JournalPath);
        var target = lines[0].Contains(from, StringComparison.Ordinal) ? 0 : 1;
        lines[target] = lines[target].Replace(from, to, StringComparison.Ordinal);
        File.WriteAllLines(JournalPath, lines);

        var verification = journal.Verify();

        Assert.False(verification.IsValid);
        Assert.Equal(target + 1, verification.FirstBrokenLine);
        Assert.Contains(problem, verification.Problem, StringComparison.Ordinal);
        Assert.Equal(target, verification.RecordCount);
    }

    [Fact]
    public void A_removed_record_breaks_the_chain_at_the_next_one()
    {
        var journal = new AuditJournal(JournalPath);
        for (var i = 0; i < 4; i++)
        {
            journal.Append(Attempt("M" + i));
        }

        File.WriteAllLines(JournalPath, File.ReadAllLines(JournalPath).Where((_, i) => i != 1));

        var verification = journal.Verify();

        Assert.Equal((false, 2), (verification.IsValid, verification.FirstBrokenLine));
        Assert.Contains("chain is broken", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rehashed_forgery_still_breaks_the_chain_after_it()
    {
        var journal = new AuditJournal(JournalPath);
        journal.Append(Attempt("ETH-USD"));
        journal.Append(Attempt("BTC-USD"));
        var forged = new AuditJournal(Path.Combine(_dir.Path, "forged.jsonl")).Append(Attempt("ETH-USD", AuditOutcome.Declined));
        var lines = File.ReadAllLines(JournalPath);
        lines[0] = File.ReadAllLines(Path.Combine(_dir.Path, "forged.jsonl"))[0];
        File.WriteAllLines(JournalPath, lines);

        Assert.Equal(1, journal.Verify().FirstBrokenLine);
        Assert.NotNull(forged.Hash);
    }

    private static string PlainLine(string prev, string id)
    {
        var body = "{\"prev_hash\":\"" + prev + "\",\"id\":\"" + id + "\",\"action\":\"stop\",\"outcome\":\"Succeeded\"}";
        return body[..^1] + ",\"hash\":\"" + JournalKey.Sha256(body) + "\"}";
    }

    private static string[] PlainChain(params string[] ids)
    {
        var prev = AuditJournal.GenesisHash;
        return ids.Select(id =>
        {
            var line = PlainLine(prev, id);
            prev = line[^66..^2];
            return line;
        }).ToArray();
    }

    [Fact]
    public void A_rewritten_journal_with_a_recomputed_chain_does_not_verify_without_the_key()
    {
        var journal = new AuditJournal(JournalPath);
        journal.Append(Attempt("ETH-USD"));
        journal.Append(Attempt("BTC-USD"));

        File.WriteAllLines(JournalPath, PlainChain("forged-1", "forged-2"));

        var verification = journal.Verify();
        Assert.False(verification.IsValid);
        Assert.Equal(1, verification.FirstBrokenLine);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(JournalPath + ".key"));
    }

    [Fact]
    public void A_keyed_journal_without_its_key_does_not_verify_and_says_why()
    {
        var journal = new AuditJournal(JournalPath);
        journal.Append(Attempt("ETH-USD"));
        File.Delete(JournalPath + ".key");

        var verification = journal.Verify();

        Assert.Equal((false, 1), (verification.IsValid, verification.FirstBrokenLine));
        Assert.Contains("key file", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_older_unkeyed_journal_verifies_as_before_and_is_keyed_from_the_next_record_on()
    {
        File.WriteAllLines(Directory.CreateDirectory(Path.GetDirectoryName(JournalPath)!).FullName + "/audit.jsonl", PlainChain("old-1", "old-2"));
        var journal = new AuditJournal(JournalPath);
        Assert.Equal(new AuditVerification(JournalPath, 2, true, null, null), journal.Verify());

        journal.Append(Attempt("ETH-USD"));
        journal.Append(Attempt("BTC-USD"));

        Assert.Equal(new AuditVerification(JournalPath, 4, true, null, null), journal.Verify());

        // The unkeyed part cannot be extended or replaced: every record after it must be keyed, and it must all be there.
        File.WriteAllLines(JournalPath, PlainChain("old-1", "old-2", "forged-3"));
        Assert.Equal((false, 3), (journal.Verify().IsValid, journal.Verify().FirstBrokenLine));
        File.WriteAllLines(JournalPath, PlainChain("old-1"));
        Assert.Contains("records are missing", journal.Verify().Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_never_break_a_line_and_control_characters_are_escaped()
    {
        var journal = new AuditJournal(JournalPath);
        var record = Attempt("ETH-USD");
        record.Reason = "line one\nPlan:\n- forged";
        journal.Append(record);

        Assert.Single(File.ReadAllLines(JournalPath));
        Assert.True(journal.Verify().IsValid);
    }

    [Fact]
    public void Concurrent_writers_never_interleave_or_lose_a_record()
    {
        var journal = new AuditJournal(JournalPath);
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => new AuditJournal(JournalPath).Append(Attempt("M" + i)));

        var verification = journal.Verify();

        Assert.True(verification.IsValid, verification.Problem);
        Assert.Equal(200, verification.RecordCount);
        Assert.Equal(200, journal.Read().Select(r => r.Market).Distinct().Count());
    }

    [Fact]
    public void An_unwritable_journal_fails_closed_with_a_clear_error()
    {
        var blocker = _dir.Write("blocker", "a file where a folder should be");
        var journal = new AuditJournal(Path.Combine(blocker, "audit.jsonl"));

        var error = Assert.Throws<OperatorException>(journal.EnsureWritable);

        Assert.Equal(ErrorIds.AuditJournalUnavailable, error.ErrorId);
        Assert.Contains("Nothing was run", error.Message, StringComparison.Ordinal);
        Assert.Throws<OperatorException>(() => journal.Append(Attempt("ETH-USD")));
    }

    [Fact]
    public void A_torn_last_line_stops_further_appends()
    {
        var journal = new AuditJournal(JournalPath);
        journal.Append(Attempt("ETH-USD"));
        File.AppendAllText(JournalPath, "{\"prev_hash\":\"torn");

        Assert.Equal(ErrorIds.AuditJournalTornTail, Assert.Throws<OperatorException>(() => journal.Append(Attempt("BTC-USD"))).ErrorId);
        Assert.False(journal.Verify().IsValid);
    }

    [Fact]
    public void A_last_record_that_does_not_verify_stops_further_appends_and_the_check_before_a_change()
    {
        var journal = new AuditJournal(JournalPath);
        journal.Append(Attempt("ETH-USD"));
        journal.Append(Attempt("BTC-USD"));
        var lines = File.ReadAllLines(JournalPath);
        lines[1] = lines[1].Replace("BTC-USD", "SOL-USD", StringComparison.Ordinal);
        File.WriteAllLines(JournalPath, lines);
        var before = File.ReadAllBytes(JournalPath);

        var appending = Assert.Throws<OperatorException>(() => journal.Append(Attempt("ETH-USD")));
        var checking = Assert.Throws<OperatorException>(journal.EnsureWritable);

        Assert.Equal((ErrorIds.AuditJournalTornTail, ErrorIds.AuditJournalTornTail), (appending.ErrorId, checking.ErrorId));
        Assert.Contains("does not verify", checking.Message, StringComparison.Ordinal);
        Assert.Contains("Test-MmAuditLog", checking.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(JournalPath));
    }

    [Fact]
    public void Half_a_record_at_the_end_fails_the_check_before_a_change()
    {
        var journal = new AuditJournal(JournalPath);
        journal.Append(Attempt("ETH-USD"));
        var whole = File.ReadAllText(JournalPath);
        File.AppendAllText(JournalPath, whole[..(whole.Length / 2)]);

        var error = Assert.Throws<OperatorException>(journal.EnsureWritable);

        Assert.Equal(ErrorIds.AuditJournalTornTail, error.ErrorId);
        Assert.Contains("a write was cut short", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was run", error.Message, StringComparison.Ordinal);
        var verification = journal.Verify();
        Assert.Equal((false, 1, 2), (verification.IsValid, verification.RecordCount, verification.FirstBrokenLine));
        Assert.StartsWith("the last line is part of a record, with no newline after it: a write was cut short (a torn tail)", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_over_64_KB_is_refused_whole_and_nothing_is_written()
    {
        var journal = new AuditJournal(JournalPath);
        journal.Append(Attempt("ETH-USD"));
        var before = File.ReadAllBytes(JournalPath);
        var huge = Attempt("BTC-USD");
        huge.Detail = new string('x', AuditJournal.MaxRecordBytes);

        var error = Assert.Throws<OperatorException>(() => journal.Append(huge));

        Assert.Equal(ErrorIds.AuditRecordTooLarge, error.ErrorId);
        Assert.Contains("refused, not cut", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(JournalPath));
        huge.Detail = new string('x', AuditJournal.MaxRecordBytes - 2048);
        journal.Append(huge);
        Assert.True(journal.Verify().IsValid);
    }

    [Fact]
    public void A_long_record_written_before_the_limit_still_ends_a_journal_that_takes_more()
    {
        var body = "{\"prev_hash\":\"" + AuditJournal.GenesisHash + "\",\"id\":\"old-1\",\"action\":\"stop\",\"detail\":\"" + new string('y', 3 * AuditJournal.MaxRecordBytes) + "\"}";
        File.WriteAllText(Directory.CreateDirectory(Path.GetDirectoryName(JournalPath)!).FullName + "/audit.jsonl", body[..^1] + ",\"hash\":\"" + JournalKey.Sha256(body) + "\"}\n");
        var journal = new AuditJournal(JournalPath);

        journal.Append(Attempt("ETH-USD"));

        Assert.Equal((true, 2), (journal.Verify().IsValid, journal.Verify().RecordCount));
    }

    [Fact]
    public void Growth_counts_the_bytes_of_the_records_since_a_time()
    {
        File.WriteAllLines(Directory.CreateDirectory(Path.GetDirectoryName(JournalPath)!).FullName + "/audit.jsonl", PlainChain("20200101T000000000Z-aaaaaa", "20200101T000001000Z-bbbbbb"));
        var old = new FileInfo(JournalPath).Length;
        var journal = new AuditJournal(JournalPath);
        journal.Append(Attempt("ETH-USD"));
        journal.Append(Attempt("BTC-USD"));
        var length = new FileInfo(JournalPath).Length;

        Assert.Equal(new JournalGrowth(length, length - old), journal.Growth(DateTime.UtcNow.AddHours(-1)));
        Assert.Equal(new JournalGrowth(length, 0), journal.Growth(DateTime.UtcNow.AddMinutes(1)));
        Assert.Equal(new JournalGrowth(length, length), journal.Growth(new DateTime(2019, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(new JournalGrowth(0, 0), new AuditJournal(Path.Combine(_dir.Path, "none.jsonl")).Growth(DateTime.UtcNow));
    }

    [Fact]
    public void A_missing_journal_is_valid_and_empty()
    {
        var journal = new AuditJournal(JournalPath);

        Assert.Equal((true, 0), (journal.Verify().IsValid, journal.Verify().RecordCount));
        Assert.Empty(journal.Read());
    }
}
