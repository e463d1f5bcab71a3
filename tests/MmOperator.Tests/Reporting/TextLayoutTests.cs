using System.Text.RegularExpressions;
using MmOperator.Reporting;
using Xunit;

namespace MmOperator.Tests.Reporting;

/// <summary>Views at 80 columns: lines break at spaces, so a pid or an id is never split across two lines.</summary>
public sealed class TextLayoutTests
{
    private const string Id = "20261204T174713083Z-e8c54e";

    [Fact]
    public void A_pid_or_an_id_at_any_column_stays_whole_on_one_line()
    {
        for (var offset = 0; offset < 90; offset++)
        {
            var text = $"- stop ETH-USD: {string.Join(' ', Enumerable.Repeat("w", offset))} but pid 4194301 is still running: kill -TERM 4194301 (record {Id}) [Failed]";
            var lines = TextLayout.Wrap(text).Split('\n');
            Assert.All(lines, line => Assert.True(line.Length < 80, line));
            Assert.Equal(2, lines.Sum(line => Regex.Count(line, @"\b4194301\b")));
            Assert.Single(lines, line => line.Contains(Id, StringComparison.Ordinal));
            Assert.Equal(Flat(text), Flat(string.Join(' ', lines)));
        }
    }

    [Fact]
    public void A_long_line_continues_under_its_text_and_short_lines_are_kept()
    {
        var wrapped = TextLayout.Wrap("Result:\n- " + string.Join(' ', Enumerable.Repeat("word", 30)), 40);
        Assert.Equal(
            "Result:\n- word word word word word word word\n  word word word word word word word\n  word word word word word word word\n  word word word word word word word\n  word word",
            wrapped);
    }

    [Fact]
    public void Only_a_word_longer_than_the_line_is_broken()
    {
        var path = "/" + string.Join('/', Enumerable.Repeat("folder", 20));
        var lines = TextLayout.Wrap($"log {path} of pid 4242", 40).Split('\n');
        Assert.All(lines, line => Assert.True(line.Length <= 40, line));
        Assert.Equal("log", lines[0]);
        Assert.Contains(lines, line => line.EndsWith("of pid 4242", StringComparison.Ordinal));
        Assert.Equal(path, string.Concat(lines[1..^1]) + lines[^1].Split(' ')[0]);
    }

    [Fact]
    public void Nothing_to_lay_out_is_empty() => Assert.Equal(string.Empty, TextLayout.Wrap(null, 80));

    private static string Flat(string text) => Regex.Replace(text, @"\s+", " ");
}
