namespace MmOperator.Security;

/// <summary>
/// Environment variables that change which code a process runs, what it trusts or where it reads and
/// writes, rather than what it does: the dynamic loader's and the C library's, the shells', the
/// interpreters' and runtimes' (Python, Perl, Ruby, Node, Java, .NET, Git), locale and time-zone
/// data, name resolution and TLS trust. mmctl reads a .env file into the bot's environment, so such a
/// key in a .env file is code of someone's choosing, run as the operator; none is ever written there,
/// with any option, and none is passed to a host command. The bot's own settings (MM_*) are never among them.
/// </summary>
public static class LoaderKeys
{
    private static readonly string[] Prefixes =
    [
        "LD_", "DYLD_", "GCONV_", "LC_", "MALLOC_", "GLIBC_", "BASH_FUNC_", "XDG_",
        "PYTHON", "PERL", "RUBY", "GEM_", "BUNDLE_", "NODE_", "NPM_CONFIG_", "JAVA_", "_JAVA_", "JDK_JAVA_",
        "DOTNET_", "CORECLR_", "COREHOST_", "COMPLUS_", "GIT_", "LUA_", "TCL", "OPENSSL_", "SSL_CERT_",
    ];

    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        // The C library and the loader: locale, messages, time zones, memory, name resolution, temporary files.
        "LOCPATH", "NLSPATH", "LANG", "LANGUAGE", "TZ", "TZDIR", "HOSTALIASES", "RESOLV_HOST_CONF", "RES_OPTIONS", "LOCALDOMAIN", "TMPDIR",
        // Where programs look for their files and for other programs.
        "HOME", "PATH", "SHELL", "CLASSPATH", "PHPRC", "PHP_INI_SCAN_DIR", "PSMODULEPATH",
        // The shells run these on start or on every command.
        "ENV", "BASH_ENV", "IFS", "CDPATH", "GLOBIGNORE", "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND",
        // TLS trust: a certificate of someone's choosing lets them read and change the bot's traffic.
        "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
        // Programs that other programs start to ask for a password or to edit.
        "SSH_ASKPASS", "SUDO_ASKPASS", "EDITOR", "VISUAL", "PAGER",
    };

    /// <summary>True for a name (as given, upper-cased by the caller where it folds) that changes how a process loads code.</summary>
    public static bool IsLoaderKey(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Names.Contains(name))
        {
            return true;
        }

        foreach (var prefix in Prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
