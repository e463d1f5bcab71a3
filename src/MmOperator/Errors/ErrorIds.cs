namespace MmOperator.Errors;

/// <summary>
/// Every FullyQualifiedErrorId prefix the module emits. Scripts match on these, so they never change meaning.
/// </summary>
public static class ErrorIds
{
    // Markets
    public const string InvalidMarketFormat = "InvalidMarketFormat";
    public const string UnknownMarket = "UnknownMarket";
    public const string AmbiguousMarket = "AmbiguousMarket";

    // Configuration / host preconditions
    public const string MmctlNotFound = "MmctlNotFound";
    public const string MmctlNotExecutable = "MmctlNotExecutable";
    public const string RepoNotFound = "RepoNotFound";
    public const string PythonNotFound = "PythonNotFound";
    public const string PythonNotExecutable = "PythonNotExecutable";
    public const string InvalidOptionValue = "InvalidOptionValue";
    public const string SettingsFileUnusable = "SettingsFileUnusable";

    // Running host commands
    public const string HostCommandNotStarted = "HostCommandNotStarted";
    public const string HostCommandTimedOut = "HostCommandTimedOut";
    public const string HostCommandCancelled = "HostCommandCancelled";
    public const string HostCommandFailed = "HostCommandFailed";
    public const string HostOutputInvalid = "HostOutputInvalid";
    public const string HostReportedError = "HostReportedError";

    // Sandbox
    public const string SandboxPathNotEmpty = "SandboxPathNotEmpty";
    public const string SandboxPythonNotFound = "SandboxPythonNotFound";
    public const string InvalidSandboxMarket = "InvalidSandboxMarket";

    // Approval, audit and market actions
    public const string AuditJournalUnavailable = "AuditJournalUnavailable";
    public const string AuditJournalTornTail = "AuditJournalTornTail";
    public const string AuditRecordTooLarge = "AuditRecordTooLarge";
    public const string ApprovalRequired = "ApprovalRequired";
    public const string RiskChangeNeedsForce = "RiskChangeNeedsForce";
    public const string AgentDecisionRefused = "AgentDecisionRefused";
    public const string InvalidReason = "InvalidReason";
    public const string MarketActionFailed = "MarketActionFailed";
    public const string BotStillRunning = "BotStillRunning";
    public const string OrphanedBotRunning = "OrphanedBotRunning";
    public const string UnsupportedAction = "UnsupportedAction";
    public const string StatusRefreshFailed = "StatusRefreshFailed";
    public const string MarketRequired = "MarketRequired";
    public const string AuditChainBroken = "AuditChainBroken";

    // .env edits. The protected-key id is the runbook's own word.
    public const string ProtectedKey = "protected_key";
    public const string HumanOnlyKey = "HumanOnlyKey";
    public const string InvalidEnvKey = "InvalidEnvKey";
    public const string NonMmKeyRefused = "NonMmKeyRefused";
    public const string LoaderKeyRefused = "LoaderKeyRefused";
    public const string InvalidEnvValue = "InvalidEnvValue";
    public const string EnvValueOutOfBounds = "EnvValueOutOfBounds";
    public const string EnvFileRefused = "EnvFileRefused";
    public const string EnvFileChanged = "EnvFileChanged";
    public const string EnvWriteFailed = "EnvWriteFailed";
    public const string PolicyUnreadable = "PolicyUnreadable";
    public const string EnvTargetRequired = "EnvTargetRequired";
    public const string EnvFileHostLineBreak = "EnvFileHostLineBreak";

    // .env campaigns (several edits in one command run) and their undo
    public const string EnvCampaignNotApplied = "EnvCampaignNotApplied";
    public const string EnvCampaignPartlyApplied = "EnvCampaignPartlyApplied";
    public const string EnvCampaignDuplicateRow = "EnvCampaignDuplicateRow";
    public const string EnvUndoSuperseded = "EnvUndoSuperseded";
    public const string EnvUndoNotFound = "EnvUndoNotFound";
    public const string EnvUndoUnknownBefore = "EnvUndoUnknownBefore";
    public const string MarketFileMisread = "MarketFileMisread";

    // Advisor proposals
    public const string InvalidProposalRow = "InvalidProposalRow";
    public const string ProposalRowLimit = "ProposalRowLimit";
    public const string InvalidProposalId = "InvalidProposalId";
    public const string ProposalNotFound = "ProposalNotFound";
    public const string ProposalNotPending = "ProposalNotPending";
    public const string AdvisorSubmitRejected = "AdvisorSubmitRejected";
    public const string AdvisorApplyFailed = "AdvisorApplyFailed";
    public const string AutoApplyUnplanned = "AutoApplyUnplanned";
    public const string ProposalEnvFileRefused = "ProposalEnvFileRefused";
    public const string AutoApplyNotApplied = "AutoApplyNotApplied";
    public const string EmptyProposedValue = "EmptyProposedValue";
    public const string AdvisorFilesUnreadable = "AdvisorFilesUnreadable";
    public const string PendingListMismatch = "PendingListMismatch";

    // Approval tickets (restricted sessions)
    public const string ApprovalPending = "ApprovalPending";
    public const string ApprovalRejected = "ApprovalRejected";
    public const string ApprovalRequestNotFound = "ApprovalRequestNotFound";
    public const string FullLanguageRequired = "FullLanguageRequired";
    public const string HelpTopicNotFound = "HelpTopicNotFound";
    public const string ApprovalRequestLimit = "ApprovalRequestLimit";
    public const string SecretLikeValue = "SecretLikeValue";

    // Watching markets and reading their logs
    public const string WaitTimedOut = "WaitTimedOut";
    public const string BotLogNotFound = "BotLogNotFound";
    public const string BotLogUnreadable = "BotLogUnreadable";
    public const string ApprovalStoreUnreadable = "ApprovalStoreUnreadable";

    // A fleet: several hosts over PowerShell remoting on SSH
    public const string InvalidFleetHost = "InvalidFleetHost";
    public const string FleetRequired = "FleetRequired";
    public const string FleetHostUnreachable = "FleetHostUnreachable";
    public const string FleetHostTimeout = "FleetHostTimeout";
    public const string FleetHostFailed = "FleetHostFailed";
    public const string FleetPlanChanged = "FleetPlanChanged";
    public const string FleetApprovalRefused = "FleetApprovalRefused";
}
