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

    [Fact]
    public void Passed_variables_are_named_in_one_setting_and_valued_in_one_each()
    {
        var options = OperatorOptions.FromEnvironment(Env(("HOME", "/h"), ("MMOPERATOR_PASS_ENV", "HTTPS_PROXY, NO_PROXY"), ("MMOPERATOR_ENV_HTTPS_PROXY", "http://proxy:3128"), ("MMOPERATOR_ENV_NO_PROXY", "localhost,127.0.0.1"), ("HTTPS_PROXY", "http://agents-proxy")));

        Assert.Equal(new Dictionary<string, string> { ["HTTPS_PROXY"] = "http://proxy:3128", ["NO_PROXY"] = "localhost,127.0.0.1" }, options.PassEnv);
        Assert.Empty(OperatorOptions.FromEnvironment(Env(("HOME", "/h"), ("HTTPS_PROXY", "http://proxy:3128"))).PassEnv);
    }

    [Theory]
    [InlineData("LD_PRELOAD", "/tmp/x.so", "changes how a program loads code")]
    [InlineData("MMOPERATOR_AGENT", "ssh", "the module's and the sandbox's own")]
    [InlineData("MM_MAX_POSITION_SIZE", "100000", "belong in the .env files")]
    [InlineData("HTTPS_PROXY", null, "its value (MMOPERATOR_ENV_HTTPS_PROXY) is not set")]
    [InlineData("HTTPS_PROXY", "http://user:hunter2@proxy\nLD_PRELOAD=/tmp/x.so", "one line without control characters")]
    public void A_passed_variable_that_cannot_be_passed_is_an_error_that_never_echoes_its_value(string name, string? value, string why)
    {
        var text = value is null ? null : System.Text.RegularExpressions.Regex.Unescape(value);

        var error = Assert.Throws<OperatorException>(() => OperatorOptions.FromEnvironment(Env(("HOME", "/h"), ("MMOPERATOR_PASS_ENV", name), ("MMOPERATOR_ENV_" + name, text!))));

        Assert.Equal(ErrorIds.InvalidOptionValue, error.ErrorId);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }
}
