@{
    RootModule           = 'MmOperator.dll'
    # The one place the version is set: build.ps1 passes it to the assembly and the package.
    ModuleVersion        = '0.1.0'
    GUID                 = '488f9ba9-11f7-4acb-aaa6-5b8ca54a2936'
    Author               = 'MmOperator contributors'
    CompanyName          = 'MmOperator'
    Copyright            = '(c) 2026 MmOperator contributors. MIT License.'
    Description          = 'Operate a market-making bot on the Extended perpetuals exchange strictly inside its runbook: allow-listed host commands only, approval for every state change, secrets never shown.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('MmOperator.format.ps1xml')
    CmdletsToExport      = @(
        'Get-MmStatus'
        'Get-MmMarket'
        'Get-MmHealth'
        'Wait-MmMarket'
        'Watch-MmMarket'
        'Get-MmLog'
        'Start-MmMarket'
        'Stop-MmMarket'
        'Restart-MmMarket'
        'Invoke-MmAction'
        'Get-MmCapability'
        'Get-MmPlaybook'
        'Invoke-MmPlaybook'
        'Get-MmEnvParam'
        'Set-MmEnvParam'
        'Remove-MmEnvParam'
        'Get-MmEnvHistory'
        'Undo-MmEnvParam'
        'Submit-MmAdvisorProposal'
        'Get-MmAdvisorProposal'
        'Approve-MmAdvisorProposal'
        'Invoke-MmAdvisorAutoApply'
        'Get-MmApprovalRequest'
        'Approve-MmApprovalRequest'
        'Deny-MmApprovalRequest'
        'Get-MmAuditLog'
        'Test-MmAuditLog'
        'Get-MmOperatorOption'
        'Set-MmOperatorOption'
        'New-MmSandbox'
        'Get-MmHelpTopic'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('MarketMaking', 'Runbook', 'Operations', 'Linux', 'PSEdition_Core')
            ReleaseNotes = @'
0.1.0
- Foundation: Get-MmStatus, Get-/Set-MmOperatorOption, New-MmSandbox; market forms, allow-listed host commands, sandbox host.
- Market lifecycle with approval: Start-, Stop-, Restart-MmMarket, Invoke-MmAction, Get-MmCapability, Get-/Invoke-MmPlaybook.
- Tamper-evident audit journal: Get-MmAuditLog, Test-MmAuditLog.
- .env parameters with the runbook's guardrails: Get-, Set-, Remove-MmEnvParam.
- Advisor proposals: Submit-, Get-, Approve-MmAdvisorProposal, Invoke-MmAdvisorAutoApply.
- Agent session: MmOperator.pssc and bin/mm-operator; approval tickets with Get-, Approve-, Deny-MmApprovalRequest.
- Two-user agent deployment: bin/mm-operator-setup (sudo, forced SSH key, owners and modes, --check); the launcher's clean environment and limits; decisions refused from the agent's identity; the journal keyed with an owner-only secret.
'@
        }
    }
}
