using System.Globalization;
using System.Runtime.InteropServices;

namespace MmOperator.Host;

/// <summary>
/// The account this process runs as, from the user database (getpwuid of the effective uid), never from
/// HOME or USER: those are the caller's to set, and a host command's HOME decides which dotfiles and
/// user site folders its interpreter loads.
/// </summary>
public sealed record UserAccount(string Name, uint Uid, string Home)
{
    private static readonly Lazy<UserAccount> Effective = new(() => Lookup(GetEffectiveUid()));

    /// <summary>This process's account (the effective uid does not change while it runs).</summary>
    public static UserAccount Current => Effective.Value;

    /// <summary>The account of a uid; one missing from the database is named by its number, with / as its home.</summary>
    public static UserAccount Lookup(uint uid)
    {
        var size = 1024;
        while (true)
        {
            var buffer = Marshal.AllocHGlobal(size);
            try
            {
                var error = GetPwUidR(uid, out var entry, buffer, (nuint)size, out var found);
                if (error == Erange && size < 1 << 20)
                {
                    size *= 4;
                    continue;
                }

                return error == 0 && found != IntPtr.Zero && Marshal.PtrToStringUTF8(entry.Name) is { Length: > 0 } name
                    ? new UserAccount(name, uid, Marshal.PtrToStringUTF8(entry.Dir) is { Length: > 0 } home ? home : "/")
                    : new UserAccount(uid.ToString(CultureInfo.InvariantCulture), uid, "/");
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
            }
        }
    }

    private const int Erange = 34;

    /// <summary>struct passwd as the C library lays it out (pointers and 32-bit ids, on every Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public IntPtr Name;
        public IntPtr Password;
        public uint Uid;
        public uint Gid;
        public IntPtr Gecos;
        public IntPtr Dir;
        public IntPtr Shell;
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUid();

    [DllImport("libc", EntryPoint = "getpwuid_r")]
    private static extern int GetPwUidR(uint uid, out Passwd entry, IntPtr buffer, nuint size, out IntPtr result);
}
