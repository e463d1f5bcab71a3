namespace MmOperator.Errors;

/// <summary>
/// A refusal or failure with its stable error id, category and the target it concerns.
/// Plain classes throw it; cmdlets turn it into an ErrorRecord unchanged.
/// </summary>
public class OperatorException : Exception
{
    public OperatorException(string errorId, ErrorCategory category, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    public OperatorException() : this(ErrorIds.HostCommandFailed, ErrorCategory.NotSpecified, "Operator error.") { }

    public OperatorException(string message) : this(ErrorIds.HostCommandFailed, ErrorCategory.NotSpecified, message) { }

    public OperatorException(string message, Exception inner) : this(ErrorIds.HostCommandFailed, ErrorCategory.NotSpecified, message, null, inner) { }

    public string ErrorId { get; }

    public ErrorCategory Category { get; }

    public object? Target { get; }

    public ErrorRecord ToErrorRecord() => new(this, ErrorId, Category, Target);
}
