namespace MmOperator.Tests.EnvFiles;

public class HostEnvReaderTests
{
    [Fact]
    public void It_reads_as_the_host_tools_do()
    {
        const string text = "# comment\n\nNOT A PAIR\n MM_A = 1.5  # inline\nMM_B=\"quoted\"\nMM_C=x#not-a-comment\nMM_D=a b\t# tab comment\r\nMM_A=2\nMM_E=\n=orphan\n";

        var entries = HostEnvReader.ReadEntries(text);
        var values = HostEnvReader.ReadValues(text);

        Assert.Equal(["MM_A", "MM_B", "MM_C", "MM_D", "MM_A", "MM_E", string.Empty], entries.Select(e => e.Key));
        Assert.Equal([4, 5, 6, 7, 8, 9, 10], entries.Select(e => e.Line));
        Assert.Equal("2", values["MM_A"]);
        Assert.Equal("\"quoted\"", values["MM_B"]);
        Assert.Equal("x#not-a-comment", values["MM_C"]);
        Assert.Equal("a b", values["MM_D"]);
        Assert.Equal(string.Empty, values["MM_E"]);
    }

    [Fact]
    public void The_fixture_example_reads_its_market() =>
        Assert.Equal("ETH-USD", HostEnvReader.ReadValues(File.ReadAllText(Path.Combine(Support.TestPaths.Fixtures, "env.example")))["MM_MARKET_NAME"]);
}
