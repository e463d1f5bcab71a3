# A key protected only by the repo's mm_config/policy/protected_keys.json is refused for edits AND never
# shown: not by Get-MmEnvParam, not in -Verbose/-Debug output, not in error text or the journal (one key rule).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox -Market eth
    $script:Secret = 'https://hooks.example/desk-8c1f2a77'
    $script:EnvEth = Join-Path $Sandbox.RepoPath '.env.eth'
    $policy = Join-Path $Sandbox.RepoPath 'mm_config/policy/protected_keys.json'
    @(Get-Content -Raw $policy | ConvertFrom-Json) + 'MM_DESK_WEBHOOK' | ConvertTo-Json | Set-Content $policy
    Add-Content $EnvEth "MM_DESK_WEBHOOK=$Secret"
    $row = Get-Content (Join-Path $PSScriptRoot '../fixtures/host-output/advisor-proposals-row.jsonl') | ConvertFrom-Json
    $row.proposal_id = 'DESK-1'; $row.param = 'MM_DESK_WEBHOOK'; $row.old = $Secret; $row.baseline_value = $Secret; $row.env_path = $EnvEth
    Add-Content (Join-Path $Sandbox.RepoPath 'data/mm_audit/advisor/proposals.jsonl') ($row | ConvertTo-Json -Compress)
}

AfterAll { Remove-TestSandbox $Sandbox }

Describe 'A key protected only by the repo policy' {
    It 'is listed as protected and masked by Get-MmEnvParam' {
        $param = Get-MmEnvParam eth MM_DESK_WEBHOOK
        $param.IsProtected | Should -BeTrue
        $param.Value | Should -Be '********'
    }

    It 'is refused for edits with protected_key' {
        { Set-MmEnvParam -Market eth MM_DESK_WEBHOOK 'https://x.example' -Reason 'move' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'protected_key,MmOperator.Commands.SetMmEnvParamCommand'
        Get-Content -Raw $EnvEth | Should -Match ([regex]::Escape($Secret))
    }

    It 'never shows its value in objects, -Verbose/-Debug output, errors or the journal' {
        $DebugPreference = 'Continue'
        $everything = @(
            Get-MmEnvParam eth -Verbose *>&1
            Get-MmAdvisorProposal -Verbose *>&1
            Get-MmAdvisorProposal -FromHost -Reason 'review' -Confirm:$false -Verbose *>&1
            Approve-MmAdvisorProposal DESK-1 -Reason 'check' -Confirm:$false -Verbose -ErrorAction Continue *>&1
        )
        $everything | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object FullyQualifiedErrorId | Should -Contain 'protected_key,MmOperator.Commands.ApproveMmAdvisorProposalCommand'
        $text = ($everything | ForEach-Object { "$_"; $_ | Format-List * | Out-String }) -join "`n"
        $text += Get-Content -Raw $Sandbox.AuditLogPath
        $text | Should -Match 'MM_DESK_WEBHOOK'
        $text | Should -Not -Match ([regex]::Escape($Secret))
    }

    It 'is refused in a typed reason or value, as a plan could only show it masked, and is masked in the journal' {
        $lines = @(Get-Content $Sandbox.AuditLogPath).Count
        { Stop-MmMarket eth -Reason "rotate MM_DESK_WEBHOOK=https://typed.example/x" -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidReason,MmOperator.Commands.StopMmMarketCommand'
        { Set-MmEnvParam -Market eth MM_SPREAD_MULTIPLIER 'MM_DESK_WEBHOOK=https://typed.example/x' -Reason 'move' -Confirm:$false -ErrorAction Stop } | Should -Throw
        $added = @(Get-Content $Sandbox.AuditLogPath | Select-Object -Skip $lines) -join "`n"
        $added | Should -Match 'Refused'
        $added | Should -Not -Match 'typed\.example'
        Get-Content -Raw $EnvEth | Should -Not -Match 'typed\.example'
    }
}
