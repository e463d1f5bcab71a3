namespace MmOperator.IO;

/// <summary>
/// An exclusive lock on a lock file, shared with other processes: on Unix, FileShare.None is taken
/// with flock, the same lock the host's Python tools take with fcntl.flock on <c>&lt;file&gt;.lock</c>.
/// Held until disposed; released by the kernel if the process dies.
/// </summary>
public static class FileLock
{
    public static FileStream Acquire(string lockPath, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(lockPath);
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(lockPath))
            {
                Thread.Sleep(Random.Shared.Next(2, 15));
            }
        }
    }
}
