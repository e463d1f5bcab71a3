namespace MmOperator.Tests.EnvFiles;

public sealed class RepoEnvFilesTests : IDisposable
{
    private readonly TempDir _repo = new();

    public void Dispose() => _repo.Dispose();

    [Fact]
    public void Reads_every_env_file_once_in_name_order_with_the_hosts_last_copy_winning()
    {
        _repo.Write(".env.eth", "MM_MARKET_NAME=ETH-USD\nMM_MARKET_NAME=ETH-PERP\n");
        _repo.Write(".env", "MM_API_KEY=shared-secret\n");
        _repo.Write(".env.lock", string.Empty);
        _repo.Write("other.txt", "MM_MARKET_NAME=NOPE\n");

        var files = RepoEnvFiles.Read(_repo.Path);

        Assert.Equal([".env", ".env.eth", ".env.lock"], files.Files.Select(f => f.Name));
        Assert.Equal("ETH-PERP", files.Files[1].ValueOf("MM_MARKET_NAME"));
        Assert.Null(files.Files[0].ValueOf("MM_MARKET_NAME"));
        Assert.Equal(["eth"], MarketCatalog.Load(files).Markets.Select(m => m.Slug));
    }

    [Fact]
    public void A_link_is_read_for_its_secrets_but_is_never_a_market()
    {
        var target = _repo.Write("elsewhere", "MM_MARKET_NAME=BTC-USD\nMM_API_KEY=linked-secret\n");
        File.CreateSymbolicLink(Path.Combine(_repo.Path, ".env.btc"), target);

        var files = RepoEnvFiles.Read(_repo.Path);

        var link = Assert.Single(files.Files);
        Assert.True(link.IsLink);
        Assert.Equal("linked-secret", link.ValueOf("MM_API_KEY"));
        Assert.Empty(MarketCatalog.Load(files).Markets);
    }

    [Fact]
    public void A_missing_repo_has_no_files()
    {
        Assert.Empty(RepoEnvFiles.Read(Path.Combine(_repo.Path, "nope")).Files);
    }
}
