using System.Globalization;
using System.Text;
using MmOperator.Reporting;

namespace MmOperator.Tests.Reporting;

/// <summary>How text from outside the module is shown to a person: every invisible character escaped, unambiguously, nothing cut.</summary>
public sealed class VisibleTextTests
{
    [Theory]
    [InlineData("\0", "\\u{00}")]
    [InlineData("a\nb", "a\\u{0A}b")]
    [InlineData("a\r\nb", "a\\u{0D}\\u{0A}b")]
    [InlineData("tab\there", "tab\\u{09}here")]
    [InlineData("\u001b[8mhidden", "\\u{1B}[8mhidden")]
    [InlineData("del\u007f", "del\\u{7F}")]
    [InlineData("c1 \u0085 \u009b2J", "c1 \\u{85} \\u{9B}2J")]
    [InlineData("\u202eevil\u202c", "\\u{202E}evil\\u{202C}")]
    [InlineData("\u2066\u2067\u2068\u2069\u200e\u200f\u061c", "\\u{2066}\\u{2067}\\u{2068}\\u{2069}\\u{200E}\\u{200F}\\u{61C}")]
    [InlineData("zero\u200bwidth\u200c\u200d\u2060\ufeff", "zero\\u{200B}width\\u{200C}\\u{200D}\\u{2060}\\u{FEFF}")]
    [InlineData("line\u2028para\u2029", "line\\u{2028}para\\u{2029}")]
    [InlineData("soft\u00adhyphen", "soft\\u{AD}hyphen")]
    [InlineData("filler\u3164", "filler\\u{3164}")]
    public void Each_invisible_character_shows_as_its_code_point(string value, string shown) =>
        Assert.Equal(shown, VisibleText.Of(value));

    [Fact]
    public void A_tag_character_is_one_escape_and_a_lone_surrogate_its_own()
    {
        // Tags spell hidden ASCII ("ASCII smuggling"); each is one code point of two UTF-16 units.
        Assert.Equal("ok\\u{E0041}\\u{E0042}", VisibleText.Of("ok" + char.ConvertFromUtf32(0xE0041) + char.ConvertFromUtf32(0xE0042)));
        Assert.Equal("\\u{D800}lone\\u{DC00}", VisibleText.Of("\ud800lone\udc00"));
    }

    [Theory]
    [InlineData("raise the cap to 100000")]
    [InlineData("réglage après l'incident, ETH-USD ↑ 5 %")]
    [InlineData("C:\\path\\to\\a\\b")]
    [InlineData("regex \\d+ and \\n as typed")]
    [InlineData("emoji 🚀 stays")]
    public void Visible_text_and_plain_backslashes_are_shown_as_typed(string value) =>
        Assert.Same(value, VisibleText.Of(value));

    [Theory]
    [InlineData("\\u{1B}", "\\\\u{1B}")]
    [InlineData("a\\\\b", "a\\\\\\b")]
    [InlineData("\\\u001b", "\\\\\\u{1B}")]
    public void A_backslash_that_could_read_as_an_escape_is_doubled(string value, string shown) =>
        Assert.Equal(shown, VisibleText.Of(value));

    [Theory]
    [InlineData("\u001b[8m", "\\u{1B}[8m")]
    [InlineData("\\\u001b", "\\u{1B}")]
    [InlineData("\\\\u{1B}", "\\u{1B}")]
    public void Typed_text_never_looks_like_a_real_escape(string first, string second)
    {
        Assert.NotEqual(first, second);
        Assert.NotEqual(VisibleText.Of(first), VisibleText.Of(second));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\\")]
    [InlineData("\\\\")]
    [InlineData("\\u")]
    [InlineData("\\u{")]
    [InlineData("\\u{41}")]
    [InlineData("a\\\nb\\\\\u001b\\u{1B}\\u\u001b{")]
    [InlineData("end\\")]
    [InlineData("\u202e\\\u202e\\\\\u202e")]
    public void The_escaped_form_reads_back_as_exactly_the_value(string value) =>
        Assert.Equal(value, Unescape(VisibleText.Of(value)));

    [Fact]
    public void Nothing_is_cut_at_any_length()
    {
        var value = string.Concat(Enumerable.Repeat("0123456789\u001b", 1000));

        var shown = VisibleText.Of(value);

        Assert.Equal(10_000 + (1000 * "\\u{1B}".Length), shown.Length);
        Assert.Equal(value, Unescape(shown));
    }

    [Fact]
    public void A_quote_says_how_much_it_leaves_out_and_never_splits_a_character()
    {
        Assert.Equal("eth\\u{0A}P... (6 more characters)", VisibleText.Quote("eth\nPlan: x", 5));
        Assert.Equal("short", VisibleText.Quote("short", 5));
        Assert.Equal("ab🚀... (1 more characters)", VisibleText.Quote("ab🚀c", 3));
        Assert.Null(VisibleText.Quote(null, 5));
    }

    [Fact]
    public void A_name_shows_a_look_alike_letter_as_its_code_point()
    {
        Assert.Equal("\\u{435}th", VisibleText.QuoteName("\u0435th", 64));
        Assert.Equal("\u0435th", VisibleText.Quote("\u0435th", 64));
        Assert.Equal("MM_SPREAD", VisibleText.QuoteName("MM_SPREAD", 64));
    }

    [Fact]
    public void A_composed_text_keeps_its_own_line_breaks_and_is_escaped_once_only()
    {
        var plan = RunbookText.Plan("set MM_X in .env.eth: 'a\\u{1B}' -> 'b\u001b'", "why\nPlan:", needsApproval: true);

        Assert.Equal("Plan:\n- Action(s): set MM_X in .env.eth: 'a\\\\u{1B}' -> 'b\\u{1B}'\n- Reason: why\\u{0A}Plan:\nNeed approval: YES", plan);
        Assert.Same(plan, VisibleText.Composed(plan));
        Assert.Equal("left\nover \\u{1B}[2J \\u{85}", VisibleText.Composed("left\nover \u001b[2J \u0085"));
    }

    [Fact]
    public void Every_code_point_is_either_shown_as_typed_or_escaped()
    {
        // Every BMP code point, one at a time: nothing escaped is left invisible, and C0, DEL, C1 and Cf are all escaped.
        for (var c = 0; c <= 0xFFFF; c++)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            var mustEscape = c is < 0x20 or (>= 0x7F and <= 0x9F) || category is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate;
            var shown = VisibleText.Of(((char)c).ToString());
            if (mustEscape)
            {
                Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"\\u{{{c:X2}}}"), shown);
            }

            Assert.DoesNotContain(shown, ch => ch < 0x20 || ch is >= (char)0x7F and <= (char)0x9F);
        }
    }

    /// <summary>The reading the escape is meant for: \\ a backslash, \u{HEX} one code point, any other backslash itself.</summary>
    private static string Unescape(string shown)
    {
        var text = new StringBuilder();
        for (var i = 0; i < shown.Length; i++)
        {
            if (shown[i] == '\\' && i + 1 < shown.Length && shown[i + 1] == '\\')
            {
                text.Append('\\');
                i++;
            }
            else if (shown[i] == '\\' && i + 2 < shown.Length && shown[i + 1] == 'u' && shown[i + 2] == '{' && shown.IndexOf('}', i) is var close and > 0)
            {
                var codePoint = int.Parse(shown.AsSpan(i + 3, close - i - 3), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                text.Append(codePoint is >= 0xD800 and <= 0xDFFF ? ((char)codePoint).ToString() : char.ConvertFromUtf32(codePoint));
                i = close;
            }
            else
            {
                text.Append(shown[i]);
            }
        }

        return text.ToString();
    }
}
