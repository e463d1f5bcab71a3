using System.Runtime.InteropServices;

namespace MmOperator.IO;

/// <summary>
/// A file's owner and group, read with statx (one layout on every Linux architecture) and set with
/// chown: an atomic replace makes a new file, and it must keep the old one's owner, or a bot running
/// as another user could no longer read its settings.
/// </summary>
public static class FileOwner
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxUid = 0x8;
    private const uint StatxGid = 0x10;
    private const int UidOffset = 20;
    private const int GidOffset = 24;

    public static (uint Uid, uint Gid) Get(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var buffer = new byte[256];
        if (Statx(AtFdCwd, NativePath(path), AtSymlinkNoFollow, StatxUid | StatxGid, buffer) != 0)
        {
            throw new IOException($"statx failed for '{path}' (errno {Marshal.GetLastPInvokeError()})");
        }

        return (BitConverter.ToUInt32(buffer, UidOffset), BitConverter.ToUInt32(buffer, GidOffset));
    }

    public static void Set(string path, (uint Uid, uint Gid) owner)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Chown(NativePath(path), owner.Uid, owner.Gid) != 0)
        {
            throw new IOException($"cannot give '{path}' the owner {owner.Uid}:{owner.Gid} of the file it replaces (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>A NUL-terminated UTF-8 path, as the C library takes it.</summary>
    private static byte[] NativePath(string path) => System.Text.Encoding.UTF8.GetBytes(path + "\0");

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, byte[] path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int Chown(byte[] path, uint owner, uint group);
}
