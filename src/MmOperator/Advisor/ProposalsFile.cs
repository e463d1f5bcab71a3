using System.Text.Json;

namespace MmOperator.Advisor;

/// <summary>
/// Reads the advisor's proposals file (read-only) to tell the script's two reasons apart for an id
/// that is not pending: proposal_id_not_found or proposal_not_pending.
/// </summary>
public static class ProposalsFile
{
    public static string Path(string repoPath) => System.IO.Path.Combine(repoPath, "data", "mm_audit", "advisor", "proposals.jsonl");

    public static string ReasonNotPending(string repoPath, string proposalId)
    {
        ArgumentNullException.ThrowIfNull(repoPath);
        var file = Path(repoPath);
        if (File.Exists(file))
        {
            foreach (var line in File.ReadLines(file))
            {
                try
                {
                    using var row = JsonDocument.Parse(line);
                    if (row.RootElement.TryGetProperty("proposal_id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() == proposalId)
                    {
                        return "proposal_not_pending";
                    }
                }
                catch (JsonException)
                {
                    // The script skips lines it cannot read; so do we.
                }
            }
        }

        return "proposal_id_not_found";
    }
}
