using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MmOperator.Flow;
using MmOperator.Host;
using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Fleet;

/// <summary>
/// One host's plan for a fleet's state change (PSTypeName MmOperator.FleetPlan): its own command lines
/// and Plan block, and a hash over the Plan and what it depends on there (each market's .env bytes, the
/// shared .env's, and each market's state and pid). The person approves the plans; each host runs only
/// a plan whose hash it computes again, unchanged.
/// </summary>
public sealed class FleetPlan
{
    public const string TypeName = "MmOperator.FleetPlan";

    public required IReadOnlyList<string> Commands { get; init; }

    public required string Plan { get; init; }

    /// <summary>SHA-256, lower-case hex.</summary>
    public required string PlanHash { get; init; }

    /// <summary>The plan of these actions as this host sees them now.</summary>
    public static FleetPlan Of(RunbookFlow flow, IReadOnlyList<ApprovedAction> planned)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(planned);
        var commands = planned.Select(p => p.Command.CommandLine).ToList();
        var mainnet = new Stakes(planned.Where(p => p.Market.IsMainnet).Select(p => p.Market.DisplayName).ToList(), [], string.Empty);
        var plan = RunbookText.Plan(commands, planned.Count > 0 ? planned[0].Attempt.Reason ?? string.Empty : string.Empty, needsApproval: true, mainnet.Flags);
        return new FleetPlan { Commands = commands, Plan = plan, PlanHash = Hash(flow, plan, planned) };
    }

    private static string Hash(RunbookFlow flow, string plan, IReadOnlyList<ApprovedAction> planned)
    {
        var states = flow.Status.Overview().ToDictionary(s => s.Slug, StringComparer.Ordinal);
        var text = new StringBuilder(plan).Append('\n');
        var shared = Path.Combine(flow.Options.RepoPath, ".env");
        text.Append(CultureInfo.InvariantCulture, $".env {FileDigest(shared)}\n");
        foreach (var market in planned.Select(p => p.Market).DistinctBy(m => m.Slug).OrderBy(m => m.Slug, StringComparer.Ordinal))
        {
            var state = states.TryGetValue(market.Slug, out var status) ? $"{status.State} {status.Pid}" : "unlisted";
            text.Append(CultureInfo.InvariantCulture, $"{market.Slug} {FileDigest(market.EnvFilePath)} {state}\n");
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant();
    }

    /// <summary>The file's bytes as a digest; a missing file is "none" (one that appears later changes the hash).</summary>
    private static string FileDigest(string path) =>
        File.Exists(path) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant() : "none";
}
