using MmOperator.Errors;
using MmOperator.Options;

namespace MmOperator.Tests.Options;

public class OperatorOptionsTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Defaults_follow_the_runbook_host()
    {
        var options = OperatorOptions.FromEnvironment(Env(("HOME", "/home/flexouille")));

        Assert.Equal("/home/flexouille/bin/mmctl", options.MmctlPath);
        Assert.Equal("/home/flexouille/Code/MM", options.RepoPath);
        Assert.Equal("/home/flexouille/Code/MM/.venv/bin/python", options.PythonPath);
        Assert.Equal("/home/flexouille/.local/state/mmoperator/audit.jsonl", options.AuditLogPath);
        Assert.True(options.TimeoutSec > 30, "the timeout must leave room for a 30 s graceful stop");
    }

    [Fact]
    public void XDG_STATE_HOME_moves_the_audit_log() =>
        Assert.Equal("/var/state/mmoperator/audit.jsonl", OperatorOptions.FromEnvironment(Env(("HOME", "/h"), ("XDG_STATE_HOME", "/var/state"))).AuditLogPath);

    [Fact]
    public void Environment_variables_override_each_default()
    {
        var options = OperatorOptions.FromEnvironment(Env(
            ("HOME", "/h"),
            ("MMOPERATOR_MMCTL", "/opt/mmctl"),
            ("MMOPERATOR_REPO", "/srv/MM"),
            ("MMOPERATOR_PYTHON", "/usr/bin/python3"),
            ("MMOPERATOR_AUDIT_LOG", "/var/log/mm/audit.jsonl"),
            ("MMOPERATOR_TIMEOUT_SEC", "120")));

        Assert.Equal(("/opt/mmctl", "/srv/MM", "/usr/bin/python3", "/var/log/mm/audit.jsonl", 120), (options.MmctlPath, options.RepoPath, options.PythonPath, options.AuditLogPath, options.TimeoutSec));
    }

    [Fact]
    public void The_python_follows_the_repo_unless_set()
    {
        var options = OperatorOptions.FromEnvironment(Env(("HOME", "/h"), ("MMOPERATOR_REPO", "/srv/MM")));

        Assert.Equal("/srv/MM/.venv/bin/python", options.PythonPath);
        Assert.Equal("/other/.venv/bin/python", (options with { RepoPath = "/other" }).PythonPath);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1.5")]
    [InlineData("99999")]
    public void A_malformed_timeout_variable_is_an_error_naming_it(string value)
    {
        var error = Assert.Throws<OperatorException>(() => OperatorOptions.FromEnvironment(Env(("HOME", "/h"), ("MMOPERATOR_TIMEOUT_SEC", value))));

        Assert.Equal(ErrorIds.InvalidOptionValue, error.ErrorId);
        Assert.Contains("MMOPERATOR_TIMEOUT_SEC", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Relative_paths_become_absolute() => Assert.True(Path.IsPathRooted(OperatorOptions.FromEnvironment(Env(("HOME", "/h"), ("MMOPERATOR_REPO", "rel/MM"))).RepoPath));
}
