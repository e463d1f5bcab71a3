using MmOperator.EnvFiles;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Sets an MM_ key in a market's .env file or the shared .env, within the runbook's guardrails, after approval.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "MmEnvParam", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(EnvChange))]
public sealed class SetMmEnvParamCommand : EnvEditCmdlet
{
    /// <summary>The new value: printable ASCII the host can store faithfully, of the type bounds.json gives the key.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Value { get; set; } = string.Empty;

    protected override string ActionName => Audit.AuditActions.EnvSet;

    protected override string? GivenValue => Value;

    /// <summary>Bound per piped row, so each row's check keeps its own value.</summary>
    protected override Func<string, string?> NewValue()
    {
        var typed = Value;
        return key =>
        {
            var value = EnvValuePolicy.Check(key, typed, Edit.Policy);
            if (!Edit.Policy.Whitelist.Contains(key))
            {
                WriteWarning($"{key} is not in mm_config/policy/whitelist.json: the advisor would not propose it. Make sure it is a setting the bot reads.");
            }

            return value;
        };
    }
}
