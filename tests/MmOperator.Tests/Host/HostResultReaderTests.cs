namespace MmOperator.Tests.Host;

public class HostResultReaderTests
{
    private static readonly HostCommand Status = HostCommand.MmctlStatus(OperatorOptions.Defaults("/home/operator", null));
    private static readonly HostCommand List = HostCommand.AdvisorListPending(OperatorOptions.Defaults("/home/operator", null));

    private static HostRunResult Run(HostCommand command, HostRunStatus status, int? exit, string stdout, string stderr = "") =>
        new(command, status, exit, stdout, stderr, TimeSpan.FromSeconds(2), status == HostRunStatus.NotStarted ? "No such file or directory" : null);

    [Theory]
    [InlineData(HostRunStatus.NotStarted, null, "", ErrorIds.HostCommandNotStarted)]
    [InlineData(HostRunStatus.TimedOut, null, "", ErrorIds.HostCommandTimedOut)]
    [InlineData(HostRunStatus.Cancelled, null, "", ErrorIds.HostCommandCancelled)]
    [InlineData(HostRunStatus.Completed, 1, "{\"generated_at\": \"x\", \"instances\": []}", ErrorIds.HostCommandFailed)]
    [InlineData(HostRunStatus.Completed, 3, "", ErrorIds.HostCommandFailed)]
    [InlineData(HostRunStatus.Completed, 0, "", ErrorIds.HostOutputInvalid)]
    [InlineData(HostRunStatus.Completed, 0, "Traceback: not json", ErrorIds.HostOutputInvalid)]
    [InlineData(HostRunStatus.Completed, 0, "[1, 2]", ErrorIds.HostOutputInvalid)]
    [InlineData(HostRunStatus.Completed, 0, "{\"instances\": []}", ErrorIds.HostOutputInvalid)]
    [InlineData(HostRunStatus.Completed, 0, "{\"status\": \"error\", \"error\": \"boom\"}", ErrorIds.HostReportedError)]
    public void Each_way_of_failing_has_its_own_id(HostRunStatus status, int? exit, string stdout, string id)
    {
        var error = Assert.Throws<HostCommandException>(() => HostResultReader.Read<MmctlStatusReport>(Run(Status, status, exit, stdout, "error: it broke")));

        Assert.Equal(id, error.ErrorId);
        Assert.Equal(Status.CommandLine, error.Failure!.CommandLine);
        Assert.Contains(Status.CommandLine, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_exit_names_the_code_and_the_last_stderr_line()
    {
        var error = Assert.Throws<HostCommandException>(() => HostResultReader.ReadObject(Run(Status, HostRunStatus.Completed, 1, string.Empty, "Traceback\nerror: disk full\n")));

        Assert.Contains("exit code 1: error: disk full", error.Message, StringComparison.Ordinal);
        Assert.Equal("Traceback\nerror: disk full\n", error.Failure!.StdErr);
    }

    [Fact]
    public void The_advisor_scripts_exit_1_with_a_JSON_answer_and_exit_2_without()
    {
        var answer = HostResultReader.ReadObject(Run(List, HostRunStatus.Completed, 1, "{\"pending\": 0}"));
        Assert.Equal(0, answer.GetProperty("pending").GetInt32());

        var usage = Assert.Throws<HostCommandException>(() => HostResultReader.ReadObject(Run(List, HostRunStatus.Completed, 2, string.Empty, "usage: mm_advisor_apply.py")));
        Assert.Equal(ErrorIds.HostCommandFailed, usage.ErrorId);
    }

    [Fact]
    public void A_timeout_says_the_effect_is_unknown_and_how_to_check()
    {
        var error = Assert.Throws<HostCommandException>(() => HostResultReader.ReadObject(Run(Status, HostRunStatus.TimedOut, null, string.Empty)));

        Assert.Contains("process tree was killed", error.Message, StringComparison.Ordinal);
        Assert.Contains("Get-MmStatus", error.Message, StringComparison.Ordinal);
    }
}
