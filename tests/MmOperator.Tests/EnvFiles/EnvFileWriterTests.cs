using System.Diagnostics;
using System.Security.Cryptography;
using MmOperator.IO;

namespace MmOperator.Tests.EnvFiles;

public sealed class EnvFileWriterTests : IDisposable
{
    private const string Original = "# ETH settings\r\nMM_MARKET_NAME=ETH-USD\r\nMM_SPREAD_MULTIPLIER=1.5  # widened\r\n\r\nMM_MIN_OFFSET_BPS=3\r\nMM_MIN_OFFSET_BPS=4";
    private readonly TempDir _repo = new();
    private readonly EnvFileTarget _target;

    public EnvFileWriterTests()
    {
        var path = _repo.Write(".env.eth", Original);
        _target = EnvFileTarget.ForMarket(new MarketEntry("eth", "ETH-USD", path), _repo.Path);
    }

    public void Dispose() => _repo.Dispose();

    private string Text => File.ReadAllText(_target.Path);

    [Fact]
    public void An_edit_changes_only_the_value_and_reports_hashes()
    {
        var before = SHA256.HashData(File.ReadAllBytes(_target.Path));

        var edit = EnvFileWriter.Apply(_target, _repo.Path, "MM_SPREAD_MULTIPLIER", "1.8", "1.5");

        Assert.Equal(Original.Replace("=1.5  #", "=1.8  #", StringComparison.Ordinal), Text);
        Assert.Equal(("1.5", "1.8", true), (edit.PreviousValue, edit.NewValue, edit.Changed));
        Assert.Equal(Convert.ToHexString(before).ToLowerInvariant(), edit.HashBefore);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(_target.Path))).ToLowerInvariant(), edit.HashAfter);
        Assert.Equal([".env.eth"], Directory.GetFiles(_repo.Path).Select(Path.GetFileName).Where(n => !n!.EndsWith(".lock", StringComparison.Ordinal)));
    }

    [Fact]
    public void Duplicates_are_all_updated_and_all_removed()
    {
        EnvFileWriter.Apply(_target, _repo.Path, "MM_MIN_OFFSET_BPS", "5", "4");
        Assert.Equal(Original.Replace("MM_MIN_OFFSET_BPS=3", "MM_MIN_OFFSET_BPS=5", StringComparison.Ordinal).Replace("MM_MIN_OFFSET_BPS=4", "MM_MIN_OFFSET_BPS=5", StringComparison.Ordinal), Text);

        EnvFileWriter.Apply(_target, _repo.Path, "MM_MIN_OFFSET_BPS", null, "5");
        Assert.Equal("# ETH settings\r\nMM_MARKET_NAME=ETH-USD\r\nMM_SPREAD_MULTIPLIER=1.5  # widened\r\n\r\n", Text);
    }

    [Fact]
    public void The_mode_and_owner_of_the_file_are_kept()
    {
        File.SetUnixFileMode(_target.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var owner = TryGiveAway(_target.Path) ?? FileOwner.Get(_target.Path);

        EnvFileWriter.Apply(_target, _repo.Path, "MM_SPREAD_MULTIPLIER", "1.8", "1.5");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(_target.Path));
        Assert.Equal(owner, FileOwner.Get(_target.Path));
    }

    [Fact]
    public void A_value_changed_since_the_plan_writes_nothing()
    {
        var error = Assert.Throws<OperatorException>(() => EnvFileWriter.Apply(_target, _repo.Path, "MM_SPREAD_MULTIPLIER", "1.8", "1.4"));

        Assert.Equal(ErrorIds.EnvFileChanged, error.ErrorId);
        Assert.Equal(Original, Text);
    }

    [Fact]
    public void A_file_swapped_for_a_symbolic_link_is_refused_at_write_time()
    {
        var elsewhere = _repo.Write("outside/.env.real", Original);
        File.Delete(_target.Path);
        File.CreateSymbolicLink(_target.Path, elsewhere);

        var error = Assert.Throws<OperatorException>(() => EnvFileWriter.Apply(_target, _repo.Path, "MM_SPREAD_MULTIPLIER", "1.8", "1.5"));

        Assert.Equal(ErrorIds.EnvFileRefused, error.ErrorId);
        Assert.Equal(Original, File.ReadAllText(elsewhere));
    }

    [Fact]
    public void Missing_and_foreign_files_are_refused()
    {
        Assert.Equal(ErrorIds.EnvFileRefused, Assert.Throws<OperatorException>(() => EnvFileTarget.Shared(_repo.Path)).ErrorId);
        var outside = new EnvFileTarget(Path.Combine(_repo.Path, "sub", ".env.eth"), null);
        Assert.Equal(ErrorIds.EnvFileRefused, Assert.Throws<OperatorException>(() => EnvFileTarget.Checked(outside, _repo.Path)).ErrorId);
    }

    [Fact]
    public void It_waits_for_the_advisor_scripts_flock_on_the_same_lock_file()
    {
        using var holder = Process.Start(new ProcessStartInfo(TestPaths.Python)
        {
            ArgumentList = { "-c", "import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(1.5)", _target.Path + ".lock" },
            RedirectStandardOutput = true,
        })!;
        Assert.Equal("locked", holder.StandardOutput.ReadLine());
        var clock = Stopwatch.StartNew();

        EnvFileWriter.Apply(_target, _repo.Path, "MM_SPREAD_MULTIPLIER", "1.8", "1.5");

        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1), $"did not wait for the lock ({clock.Elapsed})");
        Assert.Contains("MM_SPREAD_MULTIPLIER=1.8  # widened", Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\u2028", 2)]
    [InlineData("\u2029", 2)]
    [InlineData("\u0085", 2)]
    [InlineData("\v", 2)]
    [InlineData("\f", 2)]
    [InlineData("\u001c", 2)]
    [InlineData("\u001e", 2)]
    public void A_file_with_a_line_break_only_the_host_sees_is_not_edited_and_the_line_is_named(string separator, int line)
    {
        var text = $"MM_SPREAD_MULTIPLIER=1.5\n# note{separator}MM_SPREAD_MULTIPLIER=9\nMM_MARKET_NAME=ETH-USD\n";
        File.WriteAllText(_target.Path, text);

        var planning = Assert.Throws<OperatorException>(() => EnvFileWriter.ReadForEdit(_target, _repo.Path));
        var writing = Assert.Throws<OperatorException>(() => EnvFileWriter.Apply(_target, _repo.Path, "MM_SPREAD_MULTIPLIER", "1.9", "9"));

        Assert.Equal((ErrorIds.EnvFileHostLineBreak, ErrorIds.EnvFileHostLineBreak), (planning.ErrorId, writing.ErrorId));
        Assert.Contains($"line {line} holds U+{(int)separator[0]:X4}", writing.Message, StringComparison.Ordinal);
        Assert.Equal(text, Text);
        Assert.Equal("9", HostEnvReader.ReadValues(EnvFileWriter.Read(_target, _repo.Path).ToString())["MM_SPREAD_MULTIPLIER"]);
    }

    [Fact]
    public void A_file_that_is_not_UTF8_is_not_edited()
    {
        File.WriteAllBytes(_target.Path, [0x4D, 0x4D, 0x5F, 0x41, 0x3D, 0xFF, 0x0A]);

        Assert.Equal(ErrorIds.EnvFileRefused, Assert.Throws<OperatorException>(() => EnvFileWriter.Apply(_target, _repo.Path, "MM_A", "1", "\uFFFD")).ErrorId);
    }

    /// <summary>As root, hands the file to another owner so the test proves it is kept; otherwise null.</summary>
    private static (uint, uint)? TryGiveAway(string path)
    {
        try
        {
            FileOwner.Set(path, (4242, 4243));
            return (4242, 4243);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
