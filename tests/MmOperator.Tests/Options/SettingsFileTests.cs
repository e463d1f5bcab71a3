namespace MmOperator.Tests.Options;

public sealed class SettingsFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string SettingsPath => Path.Combine(_dir.Path, "config", "mmoperator", "settings.json");

    private Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => name switch
        {
            "HOME" => "/home/op",
            "XDG_CONFIG_HOME" => Path.Combine(_dir.Path, "config"),
            _ => variables.FirstOrDefault(v => v.Name == name).Value,
        };

    private ImportedOptions Load(string? settings, params (string Name, string Value)[] variables)
    {
        if (settings is not null)
        {
            _dir.Write(Path.Combine("config", "mmoperator", "settings.json"), settings);
        }

        var environment = Environment(variables);
        return OptionsStore.Load(new CallerIdentity(environment, new Dictionary<string, string>()), environment);
    }

    [Fact]
    public void The_file_lies_under_XDG_CONFIG_HOME_else_under_HOME_config()
    {
        Assert.Equal("/cfg/mmoperator/settings.json", SettingsFile.PathFor(n => n == "XDG_CONFIG_HOME" ? "/cfg" : "/home/op"));
        Assert.Equal("/home/op/.config/mmoperator/settings.json", SettingsFile.PathFor(n => n == "HOME" ? "/home/op" : null));
        Assert.Equal("/home/op/.config/mmoperator/settings.json", SettingsFile.PathFor(n => n == "HOME" ? "/home/op" : "relative"));
    }

    [Fact]
    public void Variables_override_the_file_and_the_file_overrides_the_defaults()
    {
        var loaded = Load("""{ "RepoPath": "/srv/MM", "TimeoutSec": 45, "MmctlPath": "/opt/mmctl" }""", ("MMOPERATOR_MMCTL", "/env/mmctl"));

        Assert.Null(loaded.Error);
        Assert.Equal(("/env/mmctl", "/srv/MM", 45, "/home/op/.local/state/mmoperator/audit.jsonl"), (loaded.Options!.MmctlPath, loaded.Options.RepoPath, loaded.Options.TimeoutSec, loaded.Options.AuditLogPath));
        Assert.Equal(new Dictionary<string, string> { ["MmctlPath"] = "environment", ["RepoPath"] = "settings file", ["TimeoutSec"] = "settings file" }, loaded.Sources);
        Assert.Empty(loaded.Warnings);
        Assert.Equal(SettingsPath, loaded.SettingsPath);
    }

    [Fact]
    public void No_file_is_the_defaults_without_a_warning()
    {
        var loaded = Load(null);

        Assert.Equal(("/home/op/bin/mmctl", OperatorOptions.DefaultTimeoutSec), (loaded.Options!.MmctlPath, loaded.Options.TimeoutSec));
        Assert.Empty(loaded.Sources);
        Assert.Empty(loaded.Warnings);
    }

    [Theory]
    [InlineData("{ nope", "cannot be read")]
    [InlineData("[1, 2]", "is not a JSON object")]
    public void A_malformed_file_is_a_warning_naming_it_and_the_defaults(string text, string why)
    {
        var loaded = Load(text);

        Assert.Equal("/home/op/Code/MM", loaded.Options!.RepoPath);
        var warning = Assert.Single(loaded.Warnings);
        Assert.Contains($"'{SettingsPath}' {why}", warning, StringComparison.Ordinal);
        Assert.Empty(loaded.Sources);
    }

    [Fact]
    public void Unknown_keys_and_unusable_values_are_left_out_with_a_warning_each_and_never_echo_a_value()
    {
        var loaded = Load("""{ "RepoPath": "/srv/MM", "ApiSecret": "hunter2", "TimeoutSec": 99999, "MmctlPath": "bin/mmctl", "AuditLogPath": 3, "StartSettleMs": "500" }""");

        Assert.Null(loaded.Error);
        Assert.Equal(("/srv/MM", OperatorOptions.DefaultTimeoutSec, "/home/op/bin/mmctl"), (loaded.Options!.RepoPath, loaded.Options.TimeoutSec, loaded.Options.MmctlPath));
        Assert.Equal(5, loaded.Warnings.Count);
        Assert.Contains(loaded.Warnings, w => w.Contains("'ApiSecret', which is not an option", StringComparison.Ordinal));
        Assert.Contains(loaded.Warnings, w => w.Contains("unusable TimeoutSec: TimeoutSec is '99999'", StringComparison.Ordinal));
        Assert.Contains(loaded.Warnings, w => w.Contains("unusable MmctlPath: 'bin/mmctl' is not an absolute path", StringComparison.Ordinal));
        Assert.Contains(loaded.Warnings, w => w.Contains("unusable AuditLogPath: it must be a text", StringComparison.Ordinal));
        Assert.Contains(loaded.Warnings, w => w.Contains("unusable StartSettleMs: it must be a whole number", StringComparison.Ordinal));
        Assert.All(loaded.Warnings, w => Assert.DoesNotContain("hunter2", w, StringComparison.Ordinal));
        Assert.All(loaded.Warnings, w => Assert.Contains(SettingsPath, w, StringComparison.Ordinal));
    }

    [Fact]
    public void A_malformed_variable_is_still_the_error_of_every_command()
    {
        var loaded = Load("""{ "TimeoutSec": 45 }""", ("MMOPERATOR_TIMEOUT_SEC", "soon"));

        Assert.Null(loaded.Options);
        Assert.Equal(ErrorIds.InvalidOptionValue, loaded.Error!.ErrorId);
    }

    [Fact]
    public void In_the_agents_path_no_settings_file_is_read()
    {
        _dir.Write(Path.Combine("config", "mmoperator", "settings.json"), """{ "MmctlPath": "/bin/sh" }""");
        var environment = Environment((CallerIdentity.MarkerVariable, "ssh"));

        var loaded = OptionsStore.Load(new CallerIdentity(environment, new Dictionary<string, string> { ["MMOPERATOR_REPO"] = "/srv/MM" }), environment);

        Assert.Equal(("/home/op/bin/mmctl", "/srv/MM"), (loaded.Options!.MmctlPath, loaded.Options.RepoPath));
        Assert.Equal(new Dictionary<string, string> { ["RepoPath"] = "mm-operator.conf" }, loaded.Sources);
    }

    [Fact]
    public void Save_merges_into_the_file_atomically_owner_only_in_a_folder_made_owner_only()
    {
        _ = Load("""{ "RepoPath": "/srv/MM", "TimeoutSec": 45 }""");
        Directory.Delete(Path.GetDirectoryName(SettingsPath)!, recursive: true);
        SettingsFile.Save(SettingsPath, new Dictionary<string, object> { ["RepoPath"] = "/srv/MM" }, Environment());
        SettingsFile.Save(SettingsPath, new Dictionary<string, object> { ["TimeoutSec"] = 30, ["MmctlPath"] = "/opt/mmctl" }, Environment());

        var saved = SettingsFile.Read(SettingsPath, Environment());
        Assert.Equal(new Dictionary<string, string> { ["MmctlPath"] = "/opt/mmctl", ["RepoPath"] = "/srv/MM", ["TimeoutSec"] = "30" }, saved.Values);
        Assert.Empty(saved.Warnings);
        Assert.Contains("\"TimeoutSec\": 30", File.ReadAllText(SettingsPath), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SettingsPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(SettingsPath)!));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(SettingsPath)!));
    }

    [Fact]
    public void The_fleet_is_saved_as_a_list_of_hosts_kept_by_later_saves_and_each_host_is_checked()
    {
        SettingsFile.Save(SettingsPath, new Dictionary<string, object> { ["Fleet"] = new List<string> { "u@10.1.0.2:22", "u@10.1.1.2:22" }, ["FleetKeyFilePath"] = "/home/op/.ssh/fleet" }, Environment());
        SettingsFile.Save(SettingsPath, new Dictionary<string, object> { ["TimeoutSec"] = 30 }, Environment());

        Assert.Contains("\"Fleet\": [", File.ReadAllText(SettingsPath), StringComparison.Ordinal);
        var options = Load(null).Options!;
        Assert.Equal(["u@10.1.0.2:22", "u@10.1.1.2:22"], options.Fleet);
        Assert.Equal("/home/op/.ssh/fleet", options.FleetKeyFilePath);

        var malformed = Load("""{ "Fleet": ["u@10.1.0.2:22", "-oProxyCommand=sh"] }""");
        Assert.Empty(malformed.Options!.Fleet);
        Assert.Contains("unusable Fleet", Assert.Single(malformed.Warnings), StringComparison.Ordinal);
        Assert.Equal(["a@h1", "b@h2"], Load(null, ("MMOPERATOR_FLEET", "a@h1, b@h2")).Options!.Fleet);
    }

    [Fact]
    public void Save_refuses_to_overwrite_a_file_it_cannot_use()
    {
        _ = Load("""{ "RepoPath": "/srv/MM", "Password": "x" }""");
        var before = File.ReadAllText(SettingsPath);

        var error = Assert.Throws<OperatorException>(() => SettingsFile.Save(SettingsPath, new Dictionary<string, object> { ["TimeoutSec"] = 30 }, Environment()));

        Assert.Equal(ErrorIds.SettingsFileUnusable, error.ErrorId);
        Assert.Contains("Nothing was saved", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(SettingsPath));
    }

    [Fact]
    public void Passed_variables_are_one_object_of_the_file_saved_and_read_back()
    {
        _ = Load("""{ "RepoPath": "/srv/MM" }""");
        var passed = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["HTTPS_PROXY"] = "http://proxy:3128", ["NO_PROXY"] = "localhost,127.0.0.1" };
        SettingsFile.Save(SettingsPath, new Dictionary<string, object> { ["PassEnv"] = passed }, Environment());
        SettingsFile.Save(SettingsPath, new Dictionary<string, object> { ["TimeoutSec"] = 30 }, Environment());

        var loaded = Load(null, ("MMOPERATOR_ENV_HTTPS_PROXY", "http://variable-wins:3128"));

        Assert.Null(loaded.Error);
        Assert.Equal(new Dictionary<string, string> { ["HTTPS_PROXY"] = "http://variable-wins:3128", ["NO_PROXY"] = "localhost,127.0.0.1" }, loaded.Options!.PassEnv);
        Assert.Equal(("/srv/MM", 30), (loaded.Options.RepoPath, loaded.Options.TimeoutSec));
        Assert.Equal("settings file", loaded.Sources["PassEnv"]);
        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public void A_passed_variable_the_file_cannot_give_is_left_out_with_a_warning()
    {
        var loaded = Load("""{ "PassEnv": { "LD_PRELOAD": "/tmp/x.so" }, "RepoPath": "/srv/MM" }""");

        Assert.Empty(loaded.Options!.PassEnv);
        Assert.Contains("unusable PassEnv: PassEnv names 'LD_PRELOAD'", Assert.Single(loaded.Warnings), StringComparison.Ordinal);
        Assert.Contains("it must be an object", Assert.Single(Load("""{ "PassEnv": "HTTPS_PROXY" }""").Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void In_the_agents_path_passed_variables_come_only_from_mm_operator_conf()
    {
        var environment = Environment((CallerIdentity.MarkerVariable, "ssh"), ("MMOPERATOR_PASS_ENV", "EXTENDED_API_BASE"), ("MMOPERATOR_ENV_EXTENDED_API_BASE", "https://evil.example"), ("MMOPERATOR_ENV_HTTPS_PROXY", "http://agents-proxy"));
        var conf = new Dictionary<string, string> { ["MMOPERATOR_PASS_ENV"] = "HTTPS_PROXY", ["MMOPERATOR_ENV_HTTPS_PROXY"] = "http://proxy:3128" };

        var loaded = OptionsStore.Load(new CallerIdentity(environment, conf), environment);

        Assert.Equal(new Dictionary<string, string> { ["HTTPS_PROXY"] = "http://proxy:3128" }, loaded.Options!.PassEnv);
        Assert.Equal("mm-operator.conf", loaded.Sources["PassEnv"]);
    }
}
