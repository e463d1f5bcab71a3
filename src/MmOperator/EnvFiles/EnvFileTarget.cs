namespace MmOperator.EnvFiles;

/// <summary>
/// The one file a .env edit may touch: <c>&lt;repo&gt;/.env</c> (shared) or the env file of a market
/// that exists. Never created, never a symbolic link, never outside the repo.
/// </summary>
public sealed record EnvFileTarget(string Path, MarketEntry? Market)
{
    public bool IsShared => Market is null;

    /// <summary>How the file is named in plans, results and the journal: the market's symbol, or .env.</summary>
    public string DisplayName => Market?.DisplayName ?? ".env";

    public string FileName => System.IO.Path.GetFileName(Path);

    public static EnvFileTarget Shared(string repoPath)
    {
        ArgumentNullException.ThrowIfNull(repoPath);
        return Checked(new EnvFileTarget(System.IO.Path.Combine(repoPath, ".env"), null), repoPath);
    }

    public static EnvFileTarget ForMarket(MarketEntry market, string repoPath)
    {
        ArgumentNullException.ThrowIfNull(market);
        return Checked(new EnvFileTarget(market.EnvFilePath, market), repoPath);
    }

    /// <summary>Checked again right before every read and write: the file may have changed since the catalog was read.</summary>
    public static EnvFileTarget Checked(EnvFileTarget target, string repoPath)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(repoPath);
        var file = new FileInfo(target.Path);
        var inRepo = string.Equals(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(target.Path)), System.IO.Path.GetFullPath(repoPath).TrimEnd('/'), StringComparison.Ordinal);
        var problem = !inRepo ? "it is not directly in the repo"
            : !file.Exists && file.LinkTarget is null ? "it does not exist, and .env edits never create a file"
            : file.LinkTarget is not null ? "it is a symbolic link, which could point anywhere"
            : (file.Attributes & FileAttributes.Directory) != 0 ? "it is not a regular file"
            : null;
        return problem is null
            ? target
            : throw new OperatorException(ErrorIds.EnvFileRefused, ErrorCategory.PermissionDenied, $"The env file '{target.Path}' is refused: {problem}. Only {System.IO.Path.Combine(repoPath, ".env")} and the env files of existing markets are edited.", target.Path);
    }
}
