using System.Management.Automation;
using MmOperator.Fleet;
using MmOperator.Host;
using MmOperator.Markets;
using MmOperator.Options;
using MmOperator.Security;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// The base of the commands that change nothing (status, options, logs, help): the pieces of
/// <see cref="CmdletHost"/> they use. State changes go through <see cref="StateChangeCmdlet"/> and its siblings.
/// </summary>
public abstract class OperatorCmdlet : PSCmdlet, IDisposable
{
    protected OperatorCmdlet() => Session = new CmdletHost(this);

    protected CmdletHost Session { get; }

    protected OperatorOptions Options => Session.Options;

    protected SecretMasker Masker => Session.Masker;

    protected MarketCatalog Catalog => Session.Catalog;

    protected StatusQuery Status => Session.Status;

    protected override void StopProcessing() => Session.Stop();

    public void Dispose()
    {
        Session.Dispose();
        GC.SuppressFinalize(this);
    }

    protected HostRunResult RunHost(HostCommand command) => Session.RunHost(command);

    protected MarketEntry? ResolveOrWriteError(Market market) => Session.ResolveOrWriteError(market);

    protected void Require(Action<OperatorOptions> precondition) => Session.Require(precondition);

    protected void WriteTyped(object value, string typeName) => Session.WriteObject(value, typeName);

    protected void RefusePathWhenRestricted(string? path) => Session.RefusePathWhenRestricted(path);

    protected string ResolveUserPath(string path) => Session.ResolveUserPath(path);

    /// <summary>The same read on the hosts given instead of this one (<see cref="FleetRead"/>); a person's or a script's, never the restricted session's.</summary>
    protected void AskFleet(FleetParameters fleet, FleetCall call)
    {
        Session.RequireFullLanguage("-HostName, -Session and -Fleet reach other hosts, which a restricted session may not do: the agent reaches each host through its own key. Leave them out.", null);
        new FleetRead(Session).Ask(new PsRemoting(), fleet, call, ResolveUserPath);
    }
}
