using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using MmOperator.Reporting;

namespace MmOperator.Sandbox;

/// <summary>
/// Lays out a complete stand-in host (host contract "Layout of a host") from the Python programs and
/// policy files embedded in this assembly: bin/mmctl, Code/MM with .env, one .env.&lt;slug&gt; per market,
/// files that are not markets, the policy, the advisor scripts and .venv/bin/python.
/// </summary>
public static class SandboxBuilder
{
    private const string ResourcePrefix = "MmOperator.Sandbox.";
    private const string TemplatePrefix = "templates/";

    public static readonly IReadOnlyList<string> DefaultMarkets = ["ETH-USD", "BTC-USD", "MU_24_5-USD", "SPX500m-USD"];

    /// <summary>(slug, symbol) for a sandbox market given as a symbol (SPX500m-USD) or a slug (eth).</summary>
    public static (string Slug, string Symbol) ParseMarket(string market)
    {
        ArgumentNullException.ThrowIfNull(market);
        var parsed = Market.Parse(market);
        if (parsed.Form == MarketForm.Symbol)
        {
            return (parsed.Slug!, market);
        }

        if (parsed.Form == MarketForm.Slug)
        {
            return (market, market.ToUpperInvariant() + "-USD");
        }

        throw new OperatorException(ErrorIds.InvalidSandboxMarket, ErrorCategory.InvalidArgument, $"Sandbox market '{VisibleText.QuoteName(market, Market.MaxLength)}' must be a symbol such as ETH-USD or a slug such as eth.", market);
    }

    /// <summary>
    /// A repo New-MmSandbox laid out: it holds the stand-ins' shared code, the one reader of the
    /// MM_SANDBOX_* hooks. A real host's repo has none, so the hooks never reach a real mmctl.
    /// </summary>
    public static bool IsSandbox(string repoPath)
    {
        ArgumentNullException.ThrowIfNull(repoPath);
        return File.Exists(System.IO.Path.Combine(repoPath, "sandbox_host", "common.py"));
    }

    /// <summary>The first python3 on PATH that is a real interpreter rather than a wrapper script (pyenv shims start slowly).</summary>
    public static string? FindPython(string? pathVariable)
    {
        var candidates = (pathVariable ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, "python3"))
            .Where(File.Exists)
            .Select(ResolveLinks)
            .ToList();
        return candidates.FirstOrDefault(IsNativeExecutable) ?? candidates.FirstOrDefault();
    }

    public static SandboxInfo Create(string root, IEnumerable<string> markets, string python)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(markets);
        ArgumentNullException.ThrowIfNull(python);
        var parsed = markets.Select(ParseMarket).DistinctBy(m => m.Slug).ToList();
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            throw new OperatorException(ErrorIds.SandboxPathNotEmpty, ErrorCategory.ResourceExists, $"'{root}' is not empty; a sandbox is only made in a new or empty folder. Give another -Path, or leave it out for a new temporary folder.", root);
        }

        var repo = WriteHost(root, python);
        foreach (var folder in new[] { "data/pids", "data/mm_journal", "data/mm_audit/advisor" })
        {
            Directory.CreateDirectory(System.IO.Path.Combine(repo, folder));
        }

        WriteEnvFiles(repo, parsed);
        return new SandboxInfo
        {
            Path = root,
            MmctlPath = System.IO.Path.Combine(root, "bin", "mmctl"),
            RepoPath = repo,
            PythonPath = System.IO.Path.Combine(repo, ".venv", "bin", "python"),
            AuditLogPath = System.IO.Path.Combine(root, "state", "mmoperator", "audit.jsonl"),
            InvocationLogPath = System.IO.Path.Combine(root, "sandbox", "invocations.jsonl"),
            Markets = parsed.Select(m => m.Symbol).ToList(),
        };
    }

    /// <summary>
    /// The host as its checkout comes, before any market: the stand-in programs (the bot with the settings model it checks), the policy, .env.example,
    /// .venv/bin/python, and the folder of the stand-ins' invocation log beside bin/ and Code/ (never in the
    /// repo, where the real tools create nothing of the kind). Returns the repo path.
    /// </summary>
    internal static string WriteHost(string root, string python)
    {
        var repo = System.IO.Path.Combine(root, "Code", "MM");
        WriteResources(root, python);
        Directory.CreateDirectory(System.IO.Path.Combine(repo, ".venv", "bin"));
        File.CreateSymbolicLink(System.IO.Path.Combine(repo, ".venv", "bin", "python"), python);
        File.WriteAllText(System.IO.Path.Combine(repo, ".env.example"), EnvTemplate());
        // The stand-in bot refuses to run on settings the real settings model refuses: the module's own policy of them.
        File.WriteAllText(System.IO.Path.Combine(repo, "src", "market_maker", "settings_model.json"), ReadResource(typeof(SandboxBuilder).Assembly, "MmOperator.EnvFiles.bot-settings.json"));
        Directory.CreateDirectory(System.IO.Path.Combine(root, "sandbox"));
        return repo;
    }

    private static void WriteResources(string root, string python)
    {
        var assembly = typeof(SandboxBuilder).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var relative = name[ResourcePrefix.Length..];
            if (relative.StartsWith(TemplatePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var target = System.IO.Path.Combine(root, relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            var text = ReadResource(assembly, name).Replace("@PYTHON@", python, StringComparison.Ordinal);
            File.WriteAllText(target, text);
            if (!OperatingSystem.IsWindows() && (relative.StartsWith("bin/", StringComparison.Ordinal) || relative.EndsWith(".py", StringComparison.Ordinal)))
            {
                File.SetUnixFileMode(target, File.GetUnixFileMode(target) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }
    }

    private static void WriteEnvFiles(string repo, List<(string Slug, string Symbol)> markets)
    {
        var template = EnvTemplate();
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["MM_VAULT_ID"] = RandomNumberGenerator.GetInt32(1_000_000, 10_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MM_STARK_PRIVATE_KEY"] = "0x" + RandomHex(32),
            ["MM_STARK_PUBLIC_KEY"] = "0x" + RandomHex(32),
            ["MM_API_KEY"] = "sbx-" + RandomHex(16),
            ["MM_BUILDER_ID"] = RandomNumberGenerator.GetInt32(1_000_000, 10_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var shared = new StringBuilder()
            .Append("# Shared settings for every market (MmOperator sandbox: the credentials are fake)\n")
            .Append("EXTENDED_ENV=testnet\nMM_ENVIRONMENT=testnet\nMM_LOG_LEVEL=INFO\n\n# Market maker credentials\n");
        foreach (var (key, value) in secrets.Where(s => s.Key != "MM_BUILDER_ID"))
        {
            shared.Append(key).Append('=').Append(value).Append('\n');
        }

        File.WriteAllText(System.IO.Path.Combine(repo, ".env"), shared.ToString());
        foreach (var (slug, symbol) in markets)
        {
            var values = new Dictionary<string, string>(secrets, StringComparer.Ordinal) { ["MM_MARKET_NAME"] = symbol };
            File.WriteAllText(System.IO.Path.Combine(repo, ".env." + slug), FillTemplate(template, values));
        }

        if (markets.Count > 0)
        {
            // Files beside the markets that are not markets: the catalog and completion must skip them.
            var first = System.IO.Path.Combine(repo, ".env." + markets[0].Slug);
            File.Copy(first, first + ".iter003");
            File.Copy(first, first + ".candidate");
        }
    }

    /// <summary>Sets the value of template lines of the form KEY=value; a fresh template has one line per key.</summary>
    private static string FillTemplate(string template, Dictionary<string, string> values) =>
        string.Join('\n', template.Split('\n').Select(line =>
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            return eq > 0 && !line.StartsWith('#') && values.TryGetValue(line[..eq], out var value) ? line[..(eq + 1)] + value : line;
        }));

    private static string RandomHex(int bytes) => Convert.ToHexString(RandomNumberGenerator.GetBytes(bytes)).ToLowerInvariant();

    private static string EnvTemplate() => ReadResource(typeof(SandboxBuilder).Assembly, ResourcePrefix + TemplatePrefix + "env.example");

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Missing resource {name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string ResolveLinks(string path)
    {
        var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true);
        return target?.FullName ?? path;
    }

    private static bool IsNativeExecutable(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            return file.Read(magic) == 4 && magic[0] == 0x7F && magic[1] == (byte)'E' && magic[2] == (byte)'L' && magic[3] == (byte)'F';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
