using MmOperator.Metrics;

namespace MmOperator.Tests.Metrics;

public sealed class MetricsFileTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string In(string name) => Path.Combine(_dir.Path, name);

    [Fact]
    public void A_prom_file_is_replaced_by_a_rename_readable_by_all_and_no_temporary_file_stays()
    {
        var target = In("mmoperator.prom");
        File.WriteAllText(target, "old\n");
        File.SetUnixFileMode(target, Private);
        using var reader = new FileStream(target, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        MetricsFile.Write(MetricsFile.Target(target), "mm_up 1\n");

        // A scrape that had the old file open reads the old file whole: it was replaced, not written over.
        Assert.Equal("old\n", new StreamReader(reader).ReadToEnd());
        Assert.Equal("mm_up 1\n", File.ReadAllText(target));
        Assert.Equal(Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(target));
        Assert.Equal(["mmoperator.prom"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("metrics.txt", ErrorIds.MetricsPathRefused)]
    [InlineData("metrics.prom.tmp", ErrorIds.MetricsPathRefused)]
    [InlineData("missing/metrics.prom", ErrorIds.MetricsPathRefused)]
    public void A_path_the_collector_would_not_read_is_refused_before_anything_is_written(string name, string id)
    {
        Assert.Equal(id, Assert.Throws<OperatorException>(() => MetricsFile.Target(In(name))).ErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void A_folder_named_like_a_prom_file_is_refused()
    {
        Directory.CreateDirectory(In("dir.prom"));

        Assert.Equal(ErrorIds.MetricsPathRefused, Assert.Throws<OperatorException>(() => MetricsFile.Target(In("dir.prom"))).ErrorId);
    }

    [Fact]
    public void A_failed_rename_leaves_the_target_as_it_was_and_no_temporary_file()
    {
        // What no check before the write can rule out: the target became a folder in between (root may write anywhere).
        var target = In("taken.prom");
        Directory.CreateDirectory(Path.Combine(target, "inside"));

        Assert.Equal(ErrorIds.MetricsWriteFailed, Assert.Throws<OperatorException>(() => MetricsFile.Write(target, "new\n")).ErrorId);
        Assert.Equal(["taken.prom"], Directory.GetFileSystemEntries(_dir.Path).Select(Path.GetFileName));
        Assert.True(Directory.Exists(Path.Combine(target, "inside")));
    }
}
