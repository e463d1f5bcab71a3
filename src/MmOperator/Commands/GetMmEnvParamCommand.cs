using MmOperator.EnvFiles;
using MmOperator.Host;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Reads the keys of the repo's .env files as the host reads them; protected and secret-like values are masked.</para>
/// Reading needs no approval. Without -Market or -Shared, every market's file and the shared .env are read.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmEnvParam", DefaultParameterSetName = MarketSet)]
[OutputType(typeof(EnvParam))]
public sealed class GetMmEnvParamCommand : OperatorCmdlet
{
    private const string MarketSet = "Market";
    private const string SharedSet = "Shared";

    /// <summary>Markets in any accepted form; none means every market's file and the shared .env.</summary>
    [Parameter(ParameterSetName = MarketSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[]? Market { get; set; }

    /// <summary>Read only the shared &lt;repo&gt;/.env.</summary>
    [Parameter(ParameterSetName = SharedSet, Mandatory = true)]
    public SwitchParameter Shared { get; set; }

    /// <summary>Keys to show; wildcards allowed.</summary>
    [Parameter(ParameterSetName = MarketSet, Position = 1)]
    [Parameter(ParameterSetName = SharedSet, Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(EnvKeyCompleter))]
    public string[]? Name { get; set; }

    private RepoPolicy? _policy;

    protected override void BeginProcessing()
    {
        Require(HostPreconditions.RequireRepo);
        try
        {
            _policy = RepoPolicy.Load(Options.RepoPath);
        }
        catch (OperatorException unreadable)
        {
            ThrowTerminatingError(unreadable.ToErrorRecord());
        }
    }

    protected override void ProcessRecord()
    {
        if (Shared)
        {
            Emit(() => EnvFileTarget.Shared(Options.RepoPath));
            return;
        }

        if (Market is null || Market.Length == 0)
        {
            Emit(() => EnvFileTarget.Shared(Options.RepoPath));
            foreach (var entry in Catalog.Markets)
            {
                Emit(() => EnvFileTarget.ForMarket(entry, Options.RepoPath));
            }

            return;
        }

        foreach (var market in Market)
        {
            if (ResolveOrWriteError(market) is { } entry)
            {
                Emit(() => EnvFileTarget.ForMarket(entry, Options.RepoPath));
            }
        }
    }

    private void Emit(Func<EnvFileTarget> target)
    {
        EnvFileTarget file;
        IReadOnlyList<EnvEntry> entries;
        try
        {
            file = target();
            entries = HostEnvReader.ReadEntries(EnvFileWriter.Read(file, Options.RepoPath).ToString());
        }
        catch (OperatorException refusal)
        {
            WriteError(refusal.ToErrorRecord());
            return;
        }

        var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var key in entries.GroupBy(e => e.Key).Where(g => patterns is null || patterns.Any(p => p.IsMatch(g.Key))))
        {
            var last = key.Last();
            var isProtected = _policy!.Keys.IsProtected(key.Key);
            WriteTyped(new EnvParam
            {
                File = file.Path,
                Market = file.Market?.DisplayName,
                Shared = file.IsShared,
                Key = key.Key,
                Value = _policy.Keys.Shown(key.Key, last.Value),
                Line = last.Line,
                Occurrences = key.Count(),
                IsProtected = isProtected,
            }, EnvParam.TypeName);
        }
    }
}
