using MmOperator.Metrics;

namespace MmOperator.Tests.Metrics;

public sealed class PrometheusTextTests
{
    private static MetricFamily Family(string name, params (string Market, double Value)[] samples) =>
        new(name, $"help of {name}", "gauge", samples.Select(s => new MetricSample([("market", s.Market), ("host", "h1")], s.Value)).ToList());

    [Fact]
    public void Label_values_and_help_text_round_trip_through_their_escapes()
    {
        string[] values = ["back\\slash", "say \"hi\"", "two\nlines", "a \\n that is typed", "\\\"\n", "{},= #", "ünïcode"];
        var family = new MetricFamily("mm_test", "help with \\ and\na second line", "gauge", values.Select((v, i) => new MetricSample([("market", v)], i)).ToList());

        var text = PrometheusText.Render([family]);
        var parsed = Assert.Single(ExpositionParser.Parse(text));

        Assert.Equal(values, parsed.Samples.Select(s => s.Labels["market"]));
        Assert.Equal("help with \\ and\na second line", parsed.Help);
        Assert.Equal(values.Length + 2, text.Count(c => c == '\n'));
        Assert.Contains("mm_test{market=\"say \\\"hi\\\"\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("mm_test{market=\"two\\nlines\"} 2\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(0.1, "0.1")]
    [InlineData(1795699436.17, "1795699436.17")]
    [InlineData(0, "0")]
    public void Values_are_written_as_the_format_reads_them(double value, string expected)
    {
        Assert.Equal(expected, PrometheusText.Number(value));
        var parsed = ExpositionParser.Parse(PrometheusText.Render([new MetricFamily("mm_v", "v", "gauge", [new MetricSample([], value)])]));
        Assert.Equal(value, parsed.Single().Samples.Single().Value);
    }

    [Theory]
    [InlineData("1bad")]
    [InlineData("mm-bad")]
    [InlineData("")]
    public void A_name_the_format_does_not_allow_is_never_written(string name) =>
        Assert.Throws<ArgumentException>(() => PrometheusText.Render([new MetricFamily(name, "h", "gauge", [])]));

    [Theory]
    [InlineData("__reserved")]
    [InlineData("has-dash")]
    [InlineData("1st")]
    public void A_label_name_the_format_does_not_allow_is_never_written(string label) =>
        Assert.Throws<ArgumentException>(() => PrometheusText.Render([new MetricFamily("mm_x", "h", "gauge", [new MetricSample([(label, "v")], 1)])]));

    [Fact]
    public void Two_hosts_merge_into_one_valid_exposition_where_plain_concatenation_is_refused()
    {
        var first = PrometheusText.Render([Family("mm_a", ("ETH-USD", 1)), Family("mm_b", ("ETH-USD", 0))]);
        var second = PrometheusText.Render([Family("mm_a", ("BTC-USD", 0)), Family("mm_b", ("BTC-USD", 1))]).Replace("h1", "h2", StringComparison.Ordinal);

        Assert.Throws<FormatException>(() => ExpositionParser.Parse(first + second));
        var merged = ExpositionParser.Parse(PrometheusText.Merge([first, second]));

        Assert.Equal(["mm_a", "mm_b"], merged.Select(f => f.Name));
        Assert.All(merged, f => Assert.Equal("gauge", f.Type));
        Assert.Equal(["h1", "h2"], merged[0].Samples.Select(s => s.Labels["host"]));
        Assert.Equal([0.0, 1.0], merged[1].Samples.Select(s => s.Value));
    }

    /// <summary>The parser the other tests trust refuses what the format forbids, so their passing means something.</summary>
    [Theory]
    [InlineData("mm_a 1", "line feed")]
    [InlineData("1mm 1\n", "metric name")]
    [InlineData("mm_a{l=\"v\"}1\n", "No blank")]
    [InlineData("mm_a{l=\"a\\tb\"} 1\n", "escape")]
    [InlineData("mm_a{l=\"v\",l=\"w\"} 1\n", "twice")]
    [InlineData("mm_a{__l=\"v\"} 1\n", "label name")]
    [InlineData("mm_a{l=v} 1\n", "value")]
    [InlineData("mm_a{l=\"v\"} one\n", "not a number")]
    [InlineData("mm_a 1\n# TYPE mm_a gauge\n", "after its samples")]
    [InlineData("# TYPE mm_a gauge\n# TYPE mm_a gauge\n", "second TYPE")]
    [InlineData("# HELP mm_a x\n# HELP mm_a y\n", "second HELP")]
    [InlineData("# TYPE mm_a gauges\n", "not a metric type")]
    [InlineData("mm_a{l=\"1\"} 1\nmm_b 1\nmm_a{l=\"2\"} 1\n", "one group")]
    [InlineData("mm_a{l=\"1\"} 1\nmm_a{l=\"1\"} 2\n", "second sample")]
    [InlineData("mm_a 1 12.5\n", "timestamp")]
    public void The_parser_refuses_what_the_format_forbids(string text, string why) =>
        Assert.Contains(why, Assert.Throws<FormatException>(() => ExpositionParser.Parse(text)).Message, StringComparison.Ordinal);
}
