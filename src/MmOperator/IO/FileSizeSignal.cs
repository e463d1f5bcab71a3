using System.Runtime.InteropServices;

namespace MmOperator.IO;

/// <summary>
/// SIGXFSZ, which the kernel sends to a process that writes past its file size limit (<c>ulimit -f</c>,
/// which a caller can hand down through sudo), ends .NET mid-write: a journal record would be left cut in
/// half and no one left to undo it. Handled (and cancelled), the write fails with EFBIG instead, which the
/// journal undoes. Once per process; a child starts with the default action again (exec resets handlers).
/// </summary>
public static class FileSizeSignal
{
    /// <summary>SIGXFSZ on Linux.</summary>
    private const int SignalNumber = 25;

    private static readonly PosixSignalRegistration? Registration =
        OperatingSystem.IsLinux() ? PosixSignalRegistration.Create((PosixSignal)SignalNumber, context => context.Cancel = true) : null;

    /// <summary>Makes sure the handler is in place.</summary>
    public static void Handle() => GC.KeepAlive(Registration);
}
