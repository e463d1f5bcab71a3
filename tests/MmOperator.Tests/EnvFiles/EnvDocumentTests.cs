namespace MmOperator.Tests.EnvFiles;

public class EnvDocumentTests
{
    [Theory]
    [InlineData("# top\nMM_A=1\n\nMM_B=2  # keep me\n", "MM_B", "3", "# top\nMM_A=1\n\nMM_B=3  # keep me\n")]
    [InlineData("MM_A=1\r\nMM_B=2\r\n", "MM_B", "3", "MM_A=1\r\nMM_B=3\r\n")]
    [InlineData("MM_A=1\nMM_B=2", "MM_B", "3", "MM_A=1\nMM_B=3")]
    [InlineData("MM_B=1\nMM_A=x\nMM_B=2\n", "MM_B", "3", "MM_B=3\nMM_A=x\nMM_B=3\n")]
    [InlineData("  MM_B = 2\t# tab comment\n", "MM_B", "30", "  MM_B = 30\t# tab comment\n")]
    [InlineData("MM_B=\nMM_C=1\n", "MM_B", "7", "MM_B=7\nMM_C=1\n")]
    [InlineData("MM_B=   # empty with comment\n", "MM_B", "7", "MM_B=  7 # empty with comment\n")]
    [InlineData("MM_A=1\n", "MM_NEW", "5", "MM_A=1\nMM_NEW=5\n")]
    [InlineData("MM_A=1", "MM_NEW", "5", "MM_A=1\nMM_NEW=5")]
    [InlineData("MM_A=1\r\nMM_B=2\r\n", "MM_NEW", "5", "MM_A=1\r\nMM_B=2\r\nMM_NEW=5\r\n")]
    [InlineData("", "MM_NEW", "5", "MM_NEW=5\n")]
    [InlineData("# MM_B=1 commented out\nMM_BB=1\n", "MM_B", "2", "# MM_B=1 commented out\nMM_BB=1\nMM_B=2\n")]
    public void Set_keeps_every_other_byte(string before, string key, string value, string after)
    {
        var document = EnvDocument.Parse(before);

        var text = document.Set(key, value);

        Assert.Equal(after, text);
        Assert.Equal(value, HostEnvReader.ReadValues(text)[key]);
        Assert.Equal(before, document.ToString());
    }

    [Theory]
    [InlineData("# top\nMM_A=1\nMM_B=2  # c\nMM_C=3\n", "MM_B", "# top\nMM_A=1\nMM_C=3\n")]
    [InlineData("MM_B=1\nMM_A=x\nMM_B=2\n", "MM_B", "MM_A=x\n")]
    [InlineData("MM_A=1\r\nMM_B=2\r\n", "MM_B", "MM_A=1\r\n")]
    [InlineData("MM_A=1\nMM_B=2", "MM_B", "MM_A=1\n")]
    [InlineData("MM_A=1\n", "MM_NOPE", "MM_A=1\n")]
    public void Remove_deletes_every_line_of_the_key_only(string before, string key, string after) =>
        Assert.Equal(after, EnvDocument.Parse(before).Remove(key));

    [Fact]
    public void The_value_is_the_hosts_last_copy()
    {
        var document = EnvDocument.Parse("MM_B=1\nMM_B=2 # later\n");

        Assert.Equal("2", document.ValueOf("MM_B"));
        Assert.Null(document.ValueOf("MM_C"));
    }

    [Fact]
    public void Parsing_and_rendering_is_the_identity_on_awkward_text()
    {
        const string text = "\uFEFF# bom\r\nMM_A=1\rMM_B=2\n\n\r\n  \nno equals here\nMM_C=3";

        Assert.Equal(text, EnvDocument.Parse(text).ToString());
    }
}
