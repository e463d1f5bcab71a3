namespace MmOperator.Tests.EnvFiles;

/// <summary>The host's value forms, case for case from the recorded submit and apply scenarios (047, 048, 108, 109, 113).</summary>
public sealed class HostValueFormTests
{
    [Theory]
    [InlineData("1.60", "1.6")]
    [InlineData("2.000", "2")]
    [InlineData("1e1", "10")]
    [InlineData("0.00", "0")]
    [InlineData("-0.0", "-0")]
    [InlineData("1e-7", "0.0000001")]
    [InlineData("1.8", "1.8")]
    [InlineData("+2.50", "2.5")]
    [InlineData(".5", "0.5")]
    [InlineData("100", "100")]
    [InlineData("1.5E+2", "150")]
    [InlineData(" 3 ", "3")]
    [InlineData("1e999", null)]
    [InlineData("NaN", null)]
    [InlineData("Infinity", null)]
    [InlineData("1,5", null)]
    [InlineData("", null)]
    [InlineData(".", null)]
    [InlineData("e5", null)]
    public void Numbers_are_plain_decimals_without_trailing_zeros(string typed, string? stored) =>
        Assert.Equal(stored, HostValueForm.Number(typed));

    [Theory]
    [InlineData("+3", "3")]
    [InlineData("007", "7")]
    [InlineData("-0", "0")]
    [InlineData("-12", "-12")]
    [InlineData("2.0", null)]
    [InlineData("1e1", null)]
    [InlineData("true", null)]
    public void Whole_numbers_lose_their_plus_sign_and_leading_zeros(string typed, string? stored) =>
        Assert.Equal(stored, HostValueForm.WholeNumber(typed));

    [Theory]
    [InlineData("True", "true")]
    [InlineData("TRUE", "true")]
    [InlineData("1", "true")]
    [InlineData("false", "false")]
    [InlineData("0", "false")]
    [InlineData("on", null)]
    [InlineData("2", null)]
    public void Bools_are_lower_case_true_or_false(string typed, string? stored) =>
        Assert.Equal(stored, HostValueForm.Flag(typed));

    [Theory]
    [InlineData("1.50", "1.5", true)]
    [InlineData("1.80", "1.8", true)]
    [InlineData("0", "false", true)]
    [InlineData("TRUE", "1", true)]
    [InlineData("-0", "0.0", true)]
    [InlineData(" mid ", "mid", true)]
    [InlineData(null, null, true)]
    [InlineData("1.4", "1.5", false)]
    [InlineData("mid", "MID", false)]
    [InlineData(null, "", false)]
    [InlineData("1", "2", false)]
    public void Equal_values_are_equal_as_the_apply_script_compares_them(string? a, string? b, bool same)
    {
        Assert.Equal(same, HostValueForm.SameValue(a, b));
        Assert.Equal(same, HostValueForm.SameValue(b, a));
    }
}
