using System.Text.Json;
using MmOperator.Reporting;
using Xunit;

namespace MmOperator.Tests.Reporting;

/// <summary>The one-line forms Export-Csv shows: ISO times, flat text, compact JSON.</summary>
public sealed class CsvFieldTests
{
    [Fact]
    public void A_time_is_ISO_8601_UTC_whatever_its_kind()
    {
        var utc = new DateTime(2026, 12, 4, 13, 19, 2, 123, DateTimeKind.Utc);
        Assert.Equal("2026-12-04T13:19:02.123Z", CsvField.Time(utc));
        Assert.Equal("2026-12-04T13:19:02.123Z", CsvField.Time(utc.ToLocalTime()));
        Assert.Equal("2026-12-04T13:19:02.123Z", CsvField.Time(DateTime.SpecifyKind(utc, DateTimeKind.Unspecified)));
    }

    [Theory]
    [InlineData("Result:\n- start ETH-USD: started", "Result: | - start ETH-USD: started")]
    [InlineData("a\r\n\r\nb \n  c\n", "a | b | c")]
    [InlineData("one line", "one line")]
    public void A_text_is_one_line(string text, string expected) => Assert.Equal(expected, CsvField.OneLine(text));

    [Fact]
    public void A_host_answer_is_compact_JSON_on_one_line()
    {
        using var answer = JsonDocument.Parse("{\n  \"status\": \"started\",\n  \"pid\": 4242,\n  \"note\": \"a\\nb <ok>\"\n}");
        Assert.Equal("""{"status":"started","pid":4242,"note":"a\nb <ok>"}""", CsvField.Json(answer.RootElement));
        Assert.Null(CsvField.Json(null));
    }
}
