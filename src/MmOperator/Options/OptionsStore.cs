namespace MmOperator.Options;

/// <summary>
/// The options of this PowerShell session: read from the environment when the module is imported,
/// changed by Set-MmOperatorOption. Commands take one snapshot at the start of their work.
/// </summary>
public static class OptionsStore
{
    private static readonly object Gate = new();
    private static OperatorOptions? _current;

    public static OperatorOptions Current
    {
        get
        {
            lock (Gate)
            {
                return _current ??= OperatorOptions.FromEnvironment(Environment.GetEnvironmentVariable);
            }
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (Gate)
            {
                _current = value;
            }
        }
    }

    /// <summary>Forget session changes; the next read starts again from the environment (module import).</summary>
    public static void Reset()
    {
        lock (Gate)
        {
            _current = null;
        }
    }
}
