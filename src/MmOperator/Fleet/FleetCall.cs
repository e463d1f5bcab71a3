namespace MmOperator.Fleet;

/// <summary>
/// A command of this module as each host runs it: its name and parameter values, never script text,
/// so nothing a person typed is parsed as code there. The host imports MmOperator from its own
/// module path and runs the command with its own saved options: no local path is sent.
/// </summary>
public sealed record FleetCall(string Command, IReadOnlyDictionary<string, object> Parameters)
{
    public const string Module = "MmOperator";

    /// <summary>The same call with one more parameter.</summary>
    public FleetCall With(string name, object value) =>
        this with { Parameters = new Dictionary<string, object>(Parameters, StringComparer.OrdinalIgnoreCase) { [name] = value } };

    /// <summary>The call with the parameters that were given (null values are left out).</summary>
    public static FleetCall Of(string command, params (string Name, object? Value)[] parameters) =>
        new(command, parameters.Where(p => p.Value is not null).ToDictionary(p => p.Name, p => p.Value!, StringComparer.OrdinalIgnoreCase));
}
