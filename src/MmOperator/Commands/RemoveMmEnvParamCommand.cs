using MmOperator.EnvFiles;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Removes an MM_ key (every line of it) from a market's .env file or the shared .env, after approval.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "MmEnvParam", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(EnvChange))]
public sealed class RemoveMmEnvParamCommand : EnvEditCmdlet
{
    protected override string ActionName => Audit.AuditActions.EnvRemove;

    protected override Func<string, string?> NewValue() => _ => null;
}
