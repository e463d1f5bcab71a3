using System.Globalization;
using MmOperator.Tests.ModuleChecks;

namespace MmOperator.Tests.Metrics;

/// <summary>
/// Export-MmMetric in-process against a real sandbox with a running bot (eth, its file written after it
/// started), a crashed one (btc: the pid file a dead bot leaves) and a stopped one (mu_24_5), its output
/// read by the format's rules (<see cref="ExpositionParser"/>).
/// </summary>
[Collection(SessionOptionsGroup.Name)]
public sealed class ExportMetricSandboxTests : IDisposable
{
    private const string Host = "desk \"eu\"\\1\nb";
    private readonly TempDir _dir = new();
    private readonly InProcessSession _session = new();
    private readonly string _repo;
    private readonly int _bot;

    public ExportMetricSandboxTests()
    {
        Invoke("New-MmSandbox -Path $args[0] -Market eth, btc, mu_24_5 | Set-MmOperatorOption", Path.Combine(_dir.Path, "host"));
        _repo = (string)Invoke("(Get-MmOperatorOption).RepoPath").Single().BaseObject;
        try
        {
            Invoke("$null = & (Get-MmOperatorOption).MmctlPath start eth --json");
            _bot = int.Parse(File.ReadAllText(Path.Combine(_repo, "data", "pids", "env_eth.pid")).Trim(), CultureInfo.InvariantCulture);
            File.SetLastWriteTimeUtc(Path.Combine(_repo, ".env.eth"), DateTime.UtcNow.AddSeconds(5));
            var deadPid = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max"), CultureInfo.InvariantCulture) + 1;
            File.WriteAllText(Path.Combine(_repo, "data", "pids", "env_btc.pid"), deadPid.ToString(CultureInfo.InvariantCulture));
        }
        catch
        {
            // xUnit disposes no instance whose constructor failed: the bot would outlive the test.
            Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_bot > 0)
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(_bot).Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        _session.Dispose();
        _dir.Dispose();
    }

    private List<PSObject> Invoke(string script, params object[] arguments)
    {
        var output = _session.Invoke(script, arguments);
        Assert.Empty(_session.Shell.Streams.Error);
        return output;
    }

    private static double Sample(List<ParsedFamily> families, string name, string market, string? state = null) =>
        families.Single(f => f.Name == name).Samples.Single(s => s.Labels["market"] == market && (state is null || s.Labels["state"] == state)).Value;

    [Fact]
    public void Running_crashed_and_stopped_markets_are_exposed_as_the_format_requires_to_the_output_and_to_a_prom_file()
    {
        var text = (string)Invoke("Export-MmMetric -HostLabel $args[0]", Host).Single().BaseObject;
        var families = ExpositionParser.Parse(text);

        Assert.All(families, f => Assert.Equal(("gauge", true), (f.Type, f.Help is { Length: > 0 })));
        Assert.All(families, f => Assert.Matches("^mm_[a-z_]+\\z", f.Name));
        // The quote and backslash round-trip through the format's escapes; the line feed, invisible, is shown as everywhere.
        Assert.All(families.SelectMany(f => f.Samples), s => Assert.Equal("desk \"eu\"\\1\\u{0A}b", s.Labels["host"]));
        Assert.Equal(["BTC-USD", "ETH-USD", "MU_24_5-USD"], families.Single(f => f.Name == "mm_market_up").Samples.Select(s => s.Labels["market"]));
        Assert.Equal((1, 1, 1), (Sample(families, "mm_market_state", "ETH-USD", "Running"), Sample(families, "mm_market_state", "BTC-USD", "Crashed"), Sample(families, "mm_market_state", "MU_24_5-USD", "Stopped")));
        Assert.Equal(3, families.Single(f => f.Name == "mm_market_state").Samples.Sum(s => s.Value));
        Assert.Equal((1, 0, 0), (Sample(families, "mm_market_up", "ETH-USD"), Sample(families, "mm_market_up", "BTC-USD"), Sample(families, "mm_market_up", "MU_24_5-USD")));
        Assert.Equal((0, 1, 0), (Sample(families, "mm_market_crashed", "ETH-USD"), Sample(families, "mm_market_crashed", "BTC-USD"), Sample(families, "mm_market_crashed", "MU_24_5-USD")));
        Assert.Equal(1, Sample(families, "mm_market_settings_stale", "ETH-USD"));
        Assert.Equal(0, families.Single(f => f.Name == "mm_market_orphaned").Samples.Sum(s => s.Value));
        var age = Assert.Single(families.Single(f => f.Name == "mm_market_pid_age_seconds").Samples);
        Assert.Equal("ETH-USD", age.Labels["market"]);
        Assert.InRange(age.Value, 0, 3600);
        Assert.All(families.Single(f => f.Name == "mm_read_ok").Samples, s => Assert.Equal(1, s.Value));
        Assert.Equal(1, families.Single(f => f.Name == "mm_journal_valid").Samples.Single().Value);
        Assert.Equal(0, families.Single(f => f.Name == "mm_last_failure_timestamp_seconds").Samples.Single().Value);

        // The same for node_exporter, its host the machine name.
        var target = Path.Combine(_dir.Path, "textfile", "mmoperator.prom");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        Assert.Empty(Invoke("Export-MmMetric -Path $args[0]", target));
        var written = ExpositionParser.Parse(File.ReadAllText(target));
        Assert.Equal(families.Select(f => f.Name), written.Select(f => f.Name));
        Assert.Equal(1, Sample(written, "mm_market_crashed", "BTC-USD"));
        Assert.All(written.SelectMany(f => f.Samples), s => Assert.Equal(Environment.MachineName, s.Labels["host"]));
        Assert.Equal(["mmoperator.prom"], Directory.GetFiles(Path.GetDirectoryName(target)!).Select(Path.GetFileName));
    }
}
