using System.Text.Json;

namespace MmOperator.Tests.EnvFiles;

public sealed class HostChangelogTests : IDisposable
{
    private readonly TempDir _repo = new();

    public void Dispose() => _repo.Dispose();

    [Fact]
    public void A_row_has_the_fields_of_the_hosts_manual_edit_rows_in_their_order()
    {
        var row = HostChangelog.Row(DateTimeOffset.FromUnixTimeMilliseconds(1_764_165_600_250), "ETH-USD", "/repo/.env.eth", "MM_SPREAD_MULTIPLIER", "1.5", "1.8");

        Assert.Equal(
            "{\"ts\": 1764165600.25, \"market\": \"ETH-USD\", \"agent\": \"mmoperator\", \"source\": \"mmoperator_env_edit\", \"iteration\": null, "
            + "\"env_before\": \"/repo/.env.eth\", \"env_after\": \"/repo/.env.eth\", \"param\": \"MM_SPREAD_MULTIPLIER\", \"old\": \"1.5\", \"new\": \"1.8\", "
            + "\"reasons\": [\"manual_env_edit\"], \"stop_reason\": null, \"run_started\": null, \"analysis_file\": null, \"tuning_log_file\": null, \"trigger\": null}",
            row);
    }

    [Fact]
    public void A_removal_has_a_null_new_value_and_text_is_escaped_as_python_would()
    {
        using var row = JsonDocument.Parse(HostChangelog.Row(DateTimeOffset.UnixEpoch, "unknown", "/répo/.env", "MM_X", "a\"b", null));

        Assert.Equal(JsonValueKind.Null, row.RootElement.GetProperty("new").ValueKind);
        Assert.Equal("a\"b", row.RootElement.GetProperty("old").GetString());
        Assert.Contains("\\u00e9", HostChangelog.Row(DateTimeOffset.UnixEpoch, "unknown", "/répo/.env", "MM_X", null, null), StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_are_appended_after_what_is_there_and_the_folders_are_made()
    {
        HostChangelog.Append(_repo.Path, "{\"a\": 1}");
        HostChangelog.Append(_repo.Path, "{\"b\": 2}");

        var path = HostChangelog.PathIn(_repo.Path);
        Assert.Equal("{\"a\": 1}\n{\"b\": 2}\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path) & ~(UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
    }
}
