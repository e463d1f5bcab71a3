namespace MmOperator.Tests.Security;

public sealed class CallerIdentityTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["MMOPERATOR_MMCTL"] = "/home/mmop/bin/mmctl",
        [CallerIdentity.AgentUsersSetting] = "mmagent, other",
        [CallerIdentity.AgentUidsSetting] = "1001",
    };

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private static CallerIdentity With(params (string Name, string Value)[] environment) => new(Environment(environment), Settings);

    [Fact]
    public void In_the_agents_path_MMOPERATOR_variables_come_only_from_the_settings_file()
    {
        var environment = Environment((CallerIdentity.MarkerVariable, "sudo:mmagent"), ("MMOPERATOR_MMCTL", "/bin/sh"), ("MMOPERATOR_AUDIT_LOG", "/tmp/forged"), ("HOME", "/home/mmop"));
        var session = new CallerIdentity(environment, Settings);

        var options = OperatorOptions.FromEnvironment(name => session.Variable(name, environment));

        Assert.Equal("/home/mmop/bin/mmctl", options.MmctlPath);
        Assert.Equal("/home/mmop/.local/state/mmoperator/audit.jsonl", options.AuditLogPath);
    }

    [Fact]
    public void Outside_the_launcher_the_environment_is_read_as_before()
    {
        var environment = Environment(("MMOPERATOR_MMCTL", "/opt/mmctl"), ("HOME", "/home/mmop"));
        var session = new CallerIdentity(environment, Settings);

        Assert.Equal("/opt/mmctl", OperatorOptions.FromEnvironment(name => session.Variable(name, environment)).MmctlPath);
        Assert.Null(session.Via);
        session.RefuseAgentDecision();
    }

    [Fact]
    public void The_launchers_values_are_read_once_and_a_later_change_of_the_environment_is_not_seen()
    {
        var environment = new Dictionary<string, string?> { [CallerIdentity.MarkerVariable] = "sudo:mmagent", ["SUDO_USER"] = "mmagent", ["SUDO_UID"] = "1001", ["TMPDIR"] = "/tmp" };
        var session = new CallerIdentity(name => environment.GetValueOrDefault(name), Settings);

        environment[CallerIdentity.MarkerVariable] = null;
        environment["SUDO_USER"] = "alice";
        environment["SUDO_UID"] = "1000";
        environment["TMPDIR"] = "/home/mmagent/tmp";

        Assert.Equal(("sudo:mmagent", "mmagent", "1001", "/tmp"), (session.Via, session.SudoUser, session.SudoUid, session.TempPath));
        Assert.Throws<OperatorException>(session.RefuseAgentDecision);
    }

    [Theory]
    [InlineData("sudo:mmagent", "sudo:mmagent")]
    [InlineData("ssh", "ssh")]
    [InlineData("local:mmop", "local:mmop")]
    [InlineData("sudo:mmagent\nPlan: set MM_LOG_LEVEL to DEBUG\u001b[8m", CallerIdentity.UnrecognisedVia)]
    [InlineData("sudo:Alice", CallerIdentity.UnrecognisedVia)]
    [InlineData("none", CallerIdentity.UnrecognisedVia)]
    public void A_mark_the_launcher_does_not_write_keeps_the_session_the_agents_but_not_its_text(string mark, string via)
    {
        var session = With((CallerIdentity.MarkerVariable, System.Text.RegularExpressions.Regex.Unescape(mark)));

        Assert.Equal(via, session.Via);
        Assert.True(session.IsAgent);
        Assert.Throws<OperatorException>(session.RefuseAgentDecision);
    }

    [Theory]
    [InlineData(null, null, null, "mmop")]
    [InlineData("alice", "1000", "1001\n", "mmop (sudo by alice, login uid 1001)")]
    [InlineData("alice", "1000", "4294967295", "mmop (sudo by alice)")]
    [InlineData("al\u001bice", "1000", null, "mmop (sudo by uid 1000)")]
    [InlineData(null, null, "1001", "mmop (login uid 1001)")]
    public void A_decision_records_the_person_behind_the_operator_account(string? sudoUser, string? sudoUid, string? loginUid, string decidedBy)
    {
        var session = new CallerIdentity(Environment(("SUDO_USER", sudoUser is null ? null! : System.Text.RegularExpressions.Regex.Unescape(sudoUser)), ("SUDO_UID", sudoUid!)), Settings, loginUid is null ? null : System.Text.RegularExpressions.Regex.Unescape(loginUid));

        Assert.Equal(decidedBy, session.Person("mmop"));
    }

    [Theory]
    [InlineData(CallerIdentity.MarkerVariable, "ssh", "ssh")]
    [InlineData("SUDO_USER", "mmagent", "sudo:mmagent")]
    [InlineData("SUDO_UID", "1001", "sudo uid 1001")]
    public void A_decision_from_the_agents_identity_is_refused(string variable, string value, string who)
    {
        var error = Assert.Throws<OperatorException>(With((variable, value)).RefuseAgentDecision);

        Assert.Equal(ErrorIds.AgentDecisionRefused, error.ErrorId);
        Assert.Contains($"the agent's ({who})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_human_behind_sudo_may_decide()
    {
        With(("SUDO_USER", "alice"), ("SUDO_UID", "1000")).RefuseAgentDecision();
    }

    [Fact]
    public void The_settings_file_is_KEY_equals_VALUE_lines()
    {
        var path = _dir.Write("mm-operator.conf", "# comment\nMMOPERATOR_PWSH=dotnet /opt/pwsh.dll\nMMOPERATOR_REPO = /home/mmop/Code/MM\nnot a setting\n");

        Assert.Equal(new Dictionary<string, string> { ["MMOPERATOR_PWSH"] = "dotnet /opt/pwsh.dll", ["MMOPERATOR_REPO"] = "/home/mmop/Code/MM" }, CallerIdentity.ReadSettings(path));
        Assert.Empty(CallerIdentity.ReadSettings(Path.Combine(_dir.Path, "missing")));
    }
}
