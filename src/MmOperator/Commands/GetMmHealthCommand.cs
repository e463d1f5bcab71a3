using System.Management.Automation;
using MmOperator.Host;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Summarises the host's health: markets by state, the audit journal (its chain, size and growth), pending decisions, the last failure.</para>
/// One <c>mmctl status --json</c>; everything else is read from files. A part that cannot be read is
/// unknown, with an error for that part only.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmHealth")]
[OutputType(typeof(Health))]
public sealed class GetMmHealthCommand : OperatorCmdlet
{
    protected override void EndProcessing()
    {
        var health = HealthReader.Read(ReadMarkets, Session.Journal, Options.RepoPath, Session.Approvals, unreadable => WriteError(unreadable.ToErrorRecord()));
        WriteTyped(health, Health.TypeName);
    }

    private IReadOnlyList<MarketStatus> ReadMarkets()
    {
        HostPreconditions.RequireMmctl(Options);
        return Status.Overview();
    }
}
