using MmOperator.Fleet;
using MmOperator.Host;
using MmOperator.Options;
using MmOperator.Security;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// The base of the commands that change nothing (status, options, logs, help): the pieces of
/// <see cref="CmdletContext"/> they use. State changes go through <see cref="StateChangeCmdlet"/> and its siblings.
/// </summary>
public abstract class OperatorCmdlet : PSCmdlet, IDisposable
{
    protected OperatorCmdlet() => Context = new CmdletContext(this);

    protected CmdletContext Context { get; }

    protected OperatorOptions Options => Context.Options;

    protected SecretMasker Masker => Context.Masker;

    protected MarketCatalog Catalog => Context.Catalog;

    protected StatusQuery Status => Context.Status;

    protected override void StopProcessing() => Context.Stop();

    public void Dispose()
    {
        Context.Dispose();
        GC.SuppressFinalize(this);
    }

    protected HostRunResult RunHost(HostCommand command) => Context.RunHost(command);

    protected MarketEntry? ResolveOrWriteError(Market market) => Context.ResolveOrWriteError(market);

    protected void Require(Action<OperatorOptions> precondition) => Context.Require(precondition);

    protected void WriteTyped(object value, string typeName) => Context.WriteObject(value, typeName);

    protected void RefusePathWhenRestricted(string? path) => Context.RefusePathWhenRestricted(path);

    protected string ResolveUserPath(string path) => Context.ResolveUserPath(path);

    /// <summary>The same read on the hosts given instead of this one (<see cref="FleetRead"/>); a person's or a script's, never the restricted session's.</summary>
    protected void AskFleet(FleetParameters fleet, FleetCall call)
    {
        RequireFleetAllowed();
        new FleetRead(Context).Ask(new PsRemoting(), fleet, call, ResolveUserPath);
    }

    protected void RequireFleetAllowed() =>
        Context.RequireFullLanguage("-HostName, -Session and -Fleet reach other hosts, which a restricted session may not do: the agent reaches each host through its own key. Leave them out.", null);
}
