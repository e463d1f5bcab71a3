namespace MmOperator.Tests.Status;

public sealed class BotLogTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Log(string text) => _dir.Write("mm_env_eth.log", text);

    [Theory]
    [InlineData("a\nb\nc\n", 2, new[] { "b", "c" })]
    [InlineData("a\nb\nc", 2, new[] { "b", "c" })]
    [InlineData("a\r\nb\r\n", 5, new[] { "a", "b" })]
    [InlineData("a\n\nc\n", 2, new[] { "", "c" })]
    [InlineData("a\nb\n", 0, new string[0])]
    [InlineData("", 3, new string[0])]
    public void Tail_gives_the_last_lines_and_where_the_file_ended(string text, int count, string[] expected)
    {
        var path = Log(text);

        var (lines, end) = BotLog.Tail(path, count);

        Assert.Equal(expected, lines);
        Assert.Equal(new FileInfo(path).Length, end);
    }

    [Fact]
    public void Tail_reads_back_across_blocks_and_no_further_than_its_cap()
    {
        var lines = Enumerable.Range(0, 20000).Select(i => $"line {i} " + new string('x', 40)).ToList();
        var path = Log(string.Join('\n', lines) + "\n");

        Assert.Equal(lines.TakeLast(3000), BotLog.Tail(path, 3000).Lines);

        var huge = Log(new string('y', BotLog.MaxTailBytes + 10) + "\nlast\n");
        var tail = BotLog.Tail(huge, 2).Lines;
        Assert.Equal("last", tail[^1]);
        Assert.Equal(BotLog.MaxTailBytes - "\nlast\n".Length, tail[0].Length);
    }

    [Fact]
    public void Control_characters_cannot_drive_the_terminal()
    {
        var path = Log("ok\u001b[2J\tx\u0007\n");

        Assert.Equal("ok\uFFFD[2J\tx\uFFFD", Assert.Single(BotLog.Tail(path, 5).Lines));
    }

    [Fact]
    public void A_missing_log_is_BotLogNotFound()
    {
        var missing = Assert.Throws<OperatorException>(() => BotLog.Tail(Path.Combine(_dir.Path, "nope", "mm_env_x.log"), 5));

        Assert.Equal(ErrorIds.BotLogNotFound, missing.ErrorId);
        Assert.Contains("Get-MmMarket", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Follow_writes_appended_lines_whole_and_rereads_a_truncated_file()
    {
        var path = Log("old\n");
        var (_, end) = BotLog.Tail(path, 1);
        var polls = 0;
        var steps = new Action[]
        {
            () => File.AppendAllText(path, "new 1\nhalf"),
            () => File.AppendAllText(path, " done\n"),
            () => { },
            () => File.WriteAllText(path, "after truncation\n"),
        };

        var lines = BotLog.Follow(path, end, _ =>
        {
            if (polls == steps.Length)
            {
                return false;
            }

            steps[polls++]();
            return true;
        }).ToList();

        Assert.Equal(["new 1", "half done", "after truncation"], lines);
    }
}
