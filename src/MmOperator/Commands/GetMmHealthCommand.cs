using MmOperator.Fleet;
using MmOperator.Host;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Summarises the host's health: markets by state, the audit journal (its chain, size and growth), pending decisions, the last failure.</para>
/// One <c>mmctl status --json</c>; everything else is read from files. A part that cannot be read is
/// unknown, with an error for that part only.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmHealth", DefaultParameterSetName = FleetParameters.LocalSet)]
[OutputType(typeof(Health))]
public sealed class GetMmHealthCommand : OperatorCmdlet, IDynamicParameters
{
    private readonly FleetParameters _fleet = new();

    /// <summary>-HostName, -Session, -Fleet, -KeyFilePath, -TimeoutSec: each host's health instead.</summary>
    public object GetDynamicParameters() => _fleet;

    protected override void EndProcessing()
    {
        if (_fleet.IsGiven)
        {
            AskFleet(_fleet, FleetCall.Of("Get-MmHealth"));
            return;
        }

        var health = HealthReader.Read(ReadMarkets, Context.Journal, Options.RepoPath, Context.Approvals, unreadable => WriteError(unreadable.ToErrorRecord()));
        WriteTyped(health, Health.TypeName);
    }

    private IReadOnlyList<MarketStatus> ReadMarkets()
    {
        HostPreconditions.RequireMmctl(Options);
        return Status.Overview();
    }
}
