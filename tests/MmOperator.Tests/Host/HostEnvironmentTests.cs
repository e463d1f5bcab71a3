namespace MmOperator.Tests.Host;

/// <summary>What a host command gets as its environment: an allow-list, whatever the session's own variables are.</summary>
public sealed class HostEnvironmentTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static readonly UserAccount Operator = new("mmop", 1001, "/home/mmop");

    private static readonly CallerIdentity Person = new(_ => null, new Dictionary<string, string>());

    private static readonly CallerIdentity Agent = new(name => name == CallerIdentity.MarkerVariable ? "sudo:mmagent" : null, new Dictionary<string, string>());

    /// <summary>What the hostile agent put in its session's environment, and a person's shell may hold.</summary>
    private static readonly System.Collections.Hashtable Hostile = new()
    {
        ["GCONV_PATH"] = "/home/mmagent/gconv", ["LOCPATH"] = "/home/mmagent/locale", ["LC_ALL"] = "x",
        ["HOME"] = "/home/mmagent", ["PATH"] = "/home/mmagent/bin:/usr/bin", ["LD_PRELOAD"] = "/tmp/x.so", ["PYTHONPATH"] = "/tmp",
        ["EXTENDED_API_BASE"] = "https://evil.example", ["MM_MAX_POSITION_SIZE"] = "100000", ["MMOPERATOR_AGENT"] = string.Empty,
        ["MM_SANDBOX_FAULT"] = "hang", ["MM_SANDBOX_FAULT_ON"] = "status", ["MM_SANDBOX_STOP_GRACE_S"] = string.Empty,
    };

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, string> Fixed(UserAccount account) => new()
    {
        ["PATH"] = HostEnvironment.FixedPath, ["HOME"] = account.Home, ["USER"] = account.Name, ["LOGNAME"] = account.Name, ["LANG"] = "C.UTF-8",
    };

    private OperatorOptions Sandbox()
    {
        _dir.Write("Code/MM/sandbox_host/common.py", "# the stand-ins' code\n");
        return OperatorOptions.Defaults(_dir.Path, null) with { RepoPath = Path.Combine(_dir.Path, "Code", "MM") };
    }

    [Fact]
    public void A_host_command_gets_the_fixed_variables_and_the_operators_passed_ones_only()
    {
        var passed = new Dictionary<string, string> { ["HTTPS_PROXY"] = "http://proxy:3128", ["NO_PROXY"] = "localhost,127.0.0.1" };

        var environment = HostEnvironment.Build(Operator, passed, HostEnvironment.SandboxHooks(OperatorOptions.Defaults("/home/mmop", null), Person, Hostile));

        Assert.Equal(Fixed(Operator).Concat(passed).OrderBy(v => v.Key, StringComparer.Ordinal), environment);
    }

    [Fact]
    public void Sandbox_hooks_reach_a_sandbox_from_a_persons_session_only()
    {
        var sandbox = Sandbox();

        Assert.Equal(["MM_SANDBOX_FAULT", "MM_SANDBOX_FAULT_ON"], HostEnvironment.SandboxHooks(sandbox, Person, Hostile).Select(h => h.Key).Order(StringComparer.Ordinal));
        Assert.Empty(HostEnvironment.SandboxHooks(sandbox, Agent, Hostile));
        Assert.Empty(HostEnvironment.SandboxHooks(OperatorOptions.Defaults("/home/mmop", null), Person, Hostile));
        Assert.Equal(Fixed(Operator), HostEnvironment.Build(Operator, new Dictionary<string, string>(), HostEnvironment.SandboxHooks(sandbox, Agent, Hostile)));
    }

    [Theory]
    [InlineData("LD_PRELOAD")]
    [InlineData("PYTHONPATH")]
    [InlineData("GCONV_PATH")]
    [InlineData("LC_ALL")]
    [InlineData("HOME")]
    [InlineData("PATH")]
    [InlineData("SSL_CERT_FILE")]
    [InlineData("MMOPERATOR_AGENT")]
    [InlineData("MM_SANDBOX_FAULT")]
    [InlineData("MM_MAX_POSITION_SIZE")]
    [InlineData("https_proxy")]
    [InlineData("HTTPS PROXY")]
    public void A_name_that_may_not_be_passed_is_refused(string name) => Assert.NotNull(HostEnvironment.NameProblem(name));

    [Theory]
    [InlineData("HTTPS_PROXY")]
    [InlineData("NO_PROXY")]
    [InlineData("EXTENDED_API_BASE")]
    public void A_plain_name_may_be_passed(string name) => Assert.Null(HostEnvironment.NameProblem(name));

    [Theory]
    [InlineData("http://proxy:3128\nLD_PRELOAD=/tmp/x.so")]
    [InlineData("a\0b")]
    public void A_value_of_more_than_one_line_is_refused(string value) => Assert.NotNull(HostEnvironment.ValueProblem(value));

    [Fact]
    public void The_account_comes_from_the_user_database()
    {
        var passwd = File.ReadAllLines("/etc/passwd").Select(l => l.Split(':')).First(f => f[2] == UserAccount.Current.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(("root", "/root"), (UserAccount.Lookup(0).Name, UserAccount.Lookup(0).Home));
        Assert.Equal((passwd[0], passwd[5]), (UserAccount.Current.Name, UserAccount.Current.Home));
        Assert.Equal(("4242424", "/"), (UserAccount.Lookup(4242424).Name, UserAccount.Lookup(4242424).Home));
    }
}
