using MmOperator.Errors;

namespace MmOperator.Options;

/// <summary>
/// The options of this PowerShell session: read from the environment when the module is imported
/// (not later, so a variable set afterwards cannot redirect the module), changed only by
/// Set-MmOperatorOption. Commands take one snapshot at the start of their work.
/// </summary>
public static class OptionsStore
{
    private static readonly object Gate = new();
    private static OperatorOptions? _current;
    private static OperatorException? _importError;

    public static OperatorOptions Current
    {
        get
        {
            lock (Gate)
            {
                if (_current is null && _importError is null)
                {
                    Import();
                }

                return _current ?? throw _importError!;
            }
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (Gate)
            {
                _current = value;
                _importError = null;
            }
        }
    }

    /// <summary>
    /// Reads MMOPERATOR_* now (in the agent's path, from the operator's settings file only); a malformed
    /// value is kept and reported by every command until fixed.
    /// </summary>
    public static void Import()
    {
        lock (Gate)
        {
            try
            {
                _current = OperatorOptions.FromEnvironment(AgentSession.Current.Variable);
                _importError = null;
            }
            catch (OperatorException error)
            {
                _current = null;
                _importError = error;
            }
        }
    }
}
