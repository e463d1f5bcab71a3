BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox -Market eth, btc
    function script:Id([string] $Name, [string] $Command) { "$Name,MmOperator.Commands.$Command" }
    function script:Proposals { Join-Path $Sandbox.RepoPath 'data/mm_audit/advisor/proposals.jsonl' }
    function script:Pending { @(Get-MmAdvisorProposal) }
    function script:Scripts { @(Get-Invocation $Sandbox | Where-Object tool -ne 'mmctl') }
    # A proposals.jsonl row as the submit script writes it (rule S3), with the given fields changed.
    function script:Row([string] $Id, [hashtable] $Fields) {
        $row = Get-Content (Join-Path $PSScriptRoot '../fixtures/host-output/advisor-proposals-row.jsonl') | ConvertFrom-Json
        $row.proposal_id = $Id
        foreach ($k in $Fields.Keys) { $row.$k = $Fields[$k] }
        $row | ConvertTo-Json -Compress
    }
    function script:Plant([string] $Id, [string] $Param, [hashtable] $Extra = @{}) {
        $fields = @{ param = $Param; env_path = Join-Path $Sandbox.RepoPath '.env.eth' }
        foreach ($k in $Extra.Keys) { $fields[$k] = $Extra[$k] }
        Add-Content (Proposals) (Row $Id $fields)
    }
}

AfterAll { Remove-TestSandbox $Sandbox }

Describe 'Submit-MmAdvisorProposal' {
    It 'submits objects from the pipeline in one call through a private file that is removed' {
        $before = @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'mmoperator-proposals-*').Count
        $result = [pscustomobject]@{ Market = 'ETH-USD'; Param = 'MM_SPREAD_MULTIPLIER'; Proposed = '1.8'; Reason = 'widen in high vol'; Confidence = 'high' },
                  [pscustomobject]@{ Market = 'btc'; Param = 'MM_MIN_OFFSET_BPS'; Proposed = '4'; Reason = 'tighter' } | Submit-MmAdvisorProposal -Confirm:$false
        $result.PSObject.TypeNames[0] | Should -Be 'MmOperator.AdvisorSubmission'
        $result.Ok | Should -BeTrue
        $result.ProposalIds.Count | Should -Be 2
        $result.ProposalIds[0] | Should -Match '^ETH_USD-\d+-manual-MM_SPREAD_MULTIPLIER$'
        $calls = @(Scripts | Where-Object tool -eq 'mm_advisor_submit.py')
        $calls.Count | Should -Be 1
        $file = $calls[-1].argv[$calls[-1].argv.IndexOf('--input-jsonl') + 1]
        $file | Should -Not -Exist
        @(Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'mmoperator-proposals-*').Count | Should -Be $before
        $row = Get-Content (Proposals) | Select-Object -Last 1 | ConvertFrom-Json
        $row.market | Should -Be 'BTC-USD'
        $row.reason_note | Should -Be 'tighter'
    }

    It 'takes hashtable rows from the pipeline in ConstrainedLanguage, where [pscustomobject] cannot be made' {
        $script = @"
Import-Module '$env:MMOPERATOR_TEST_MODULE'
Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -PythonPath '$($Sandbox.PythonPath)' -AuditLogPath '$($Sandbox.AuditLogPath)'
`$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'
try { [pscustomobject]@{ Market = 'eth' } } catch { 'pscustomobject: ' + `$_.FullyQualifiedErrorId }
@{ Market = 'ETH-USD'; Param = 'MM_MIN_OFFSET_BPS'; Proposed = '4'; Confidence = 'high'; Deadman = `$true }, @{ market = 'btc'; Key = 'MM_MIN_OFFSET_BPS'; Value = '5' } | Submit-MmAdvisorProposal -Reason 'tighter' -ErrorVariable e -ErrorAction SilentlyContinue
'errors: ' + (`$e.FullyQualifiedErrorId -join ' ')
@{ Market = 'eth'; Param = 'MM_MIN_OFFSET_BPS'; Proposed = '4'; Colour = 'red' } | Submit-MmAdvisorProposal -Reason 'tighter' -ErrorVariable f -ErrorAction SilentlyContinue
'refused: ' + `$f[0].FullyQualifiedErrorId + ' ' + `$f[0].Exception.Message
"@
        $run = Invoke-FreshPwsh $script
        $text = $run.Output -join "`n"
        $text | Should -Match 'pscustomobject: ConversionSupportedOnlyToCoreTypes'
        # Both rows bound and passed every check: in a ConstrainedLanguage session the change then waits for a human's ticket.
        $text | Should -Match '(?m)^errors: ApprovalPending,MmOperator.Commands.SubmitMmAdvisorProposalCommand$'
        $text | Should -Match "refused: InvalidProposalRow,MmOperator.Commands.SubmitMmAdvisorProposalCommand .*key 'Colour' is not accepted"
    }

    It 'submits a JSONL file, normalising markets and values' {
        $path = Join-Path $TestDrive 'in.jsonl'
        Set-Content $path '{"market": "eth", "param": "MM_SKEW_MAX_BPS", "proposed": 25, "deadman": true, "confidence": "high", "escalation_target": "warren"}'
        $result = Submit-MmAdvisorProposal -Path $path -Reason 'file intake' -Confirm:$false
        $result.Ok | Should -BeTrue
        $row = Get-Content (Proposals) | Select-Object -Last 1 | ConvertFrom-Json
        ($row.market, $row.proposed, $row.deadman) | Should -Be @('ETH-USD', '25', $true)
    }

    It 'reports a failing row in the scripts own words, and nothing is written' {
        $before = (Get-FileHash (Proposals)).Hash
        $out = [pscustomobject]@{ Market = 'eth'; Param = 'MM_SPREAD_MULTIPLIER'; Proposed = '1.9' },
               [pscustomobject]@{ Market = 'eth'; Param = 'MM_NOT_WHITELISTED'; Proposed = '1' } | Submit-MmAdvisorProposal -Reason 'two rows' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errors
        $out.Ok | Should -BeFalse
        $out.Failures | Should -Be @('row 2: param not whitelisted: MM_NOT_WHITELISTED')
        $out.ExitCode | Should -Be 1
        $errors.FullyQualifiedErrorId | Should -Be (Id AdvisorSubmitRejected SubmitMmAdvisorProposalCommand)
        (Get-FileHash (Proposals)).Hash | Should -Be $before
        (Get-MmAuditLog -Last 1).Outcome | Should -Be 'Failed'
    }

    It 'refuses <Why> before the script runs, naming the row' -ForEach @(
        @{ Why = 'a protected param'; Row = @{ Market = 'eth'; Param = 'MM_API_KEY'; Proposed = 'x' }; ErrorId = 'protected_key' }
        @{ Why = 'a secret-like param'; Row = @{ Market = 'eth'; Param = 'MM_SIGNING_SECRET'; Proposed = 'x' }; ErrorId = 'protected_key' }
        @{ Why = 'a look-alike of a protected param'; Row = @{ Market = 'eth'; Param = 'mm_vault_id'; Proposed = '1' }; ErrorId = 'protected_key' }
        @{ Why = 'a market-name change (the host lets it through)'; Row = @{ Market = 'eth'; Param = 'MM_MARKET_NAME'; Proposed = 'BTC-USD' }; ErrorId = 'HumanOnlyKey' }
        @{ Why = 'an environment change'; Row = @{ Market = 'eth'; Param = 'MM_ENVIRONMENT'; Proposed = 'mainnet' }; ErrorId = 'HumanOnlyKey' }
        @{ Why = 'a market that is not valid'; Row = @{ Market = 'ETH/USD'; Param = 'MM_SPREAD_MULTIPLIER'; Proposed = '1.8' }; ErrorId = 'InvalidMarketFormat' }
        @{ Why = 'a market without an env file'; Row = @{ Market = 'doge'; Param = 'MM_SPREAD_MULTIPLIER'; Proposed = '1.8' }; ErrorId = 'UnknownMarket' }
        @{ Why = 'a value the .env cannot hold'; Row = @{ Market = 'eth'; Param = 'MM_LOG_LEVEL'; Proposed = "INFO`nMM_API_KEY=x" }; ErrorId = 'InvalidEnvValue' }
        @{ Why = 'an unknown confidence'; Row = @{ Market = 'eth'; Param = 'MM_SPREAD_MULTIPLIER'; Proposed = '1.8'; Confidence = 'total' }; ErrorId = 'InvalidProposalRow' }
    ) {
        $before = (Scripts).Count
        $rows = @([pscustomobject]@{ Market = 'eth'; Param = 'MM_SKEW_MAX_BPS'; Proposed = '21' }, [pscustomobject]$Row)
        $rows | Submit-MmAdvisorProposal -Reason 'check' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors[0].FullyQualifiedErrorId | Should -Be (Id $ErrorId SubmitMmAdvisorProposalCommand)
        $errors[0].Exception.Message | Should -Match 'row 2'
        (Scripts).Count | Should -Be $before
        (Get-MmAuditLog -Last 1).Outcome | Should -Be 'Refused'
    }

    It 'refuses a file row with an env_file path' {
        $path = Join-Path $TestDrive 'env_file.jsonl'
        Set-Content $path '{"market": "ETH-USD", "param": "MM_SPREAD_MULTIPLIER", "proposed": "1.8", "env_file": "/etc/passwd"}'
        { Submit-MmAdvisorProposal -Path $path -Reason 'x' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id InvalidProposalRow SubmitMmAdvisorProposalCommand) -ExpectedMessage "*env_file.jsonl line 1*env_file*"
    }

    It '-WhatIf runs nothing' {
        $before = (Scripts).Count
        [pscustomobject]@{ Market = 'eth'; Param = 'MM_SKEW_MAX_BPS'; Proposed = '22' } | Submit-MmAdvisorProposal -Reason 'preview' -WhatIf
        (Scripts).Count | Should -Be $before
    }
}

Describe 'Get-MmAdvisorProposal' {
    It 'lists pending proposals as typed objects from the host''s files, with the submitter''s reason: no script runs, no approval, no journal record' {
        $before = (Scripts).Count
        $journal = (Get-FileHash $Sandbox.AuditLogPath).Hash
        $pending = Invoke-FreshPwsh "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -AuditLogPath '$($Sandbox.AuditLogPath)'; Get-MmAdvisorProposal | ConvertTo-Json -Compress"
        $pending.ExitCode | Should -Be 0 -Because 'a person is asked nothing, so a session without one lists too'
        $pending = @($pending.Output -join '' | ConvertFrom-Json)
        $pending.Count | Should -BeGreaterThan 0
        (Scripts).Count | Should -Be $before
        (Get-FileHash $Sandbox.AuditLogPath).Hash | Should -Be $journal
        # The host lists newest first; the spread proposal was the first one submitted.
        $first = Pending | Where-Object Param -eq 'MM_SPREAD_MULTIPLIER' | Select-Object -First 1
        $first.PSObject.TypeNames[0] | Should -Be 'MmOperator.AdvisorProposal'
        $first.Created | Should -BeOfType [datetime]
        $first.PreviousValue | Should -Be '1.5'
        $first.IsProtected | Should -BeFalse
        $tighter = Pending | Where-Object Param -eq 'MM_MIN_OFFSET_BPS' | Select-Object -First 1
        $tighter.ReasonNote | Should -Be 'tighter' -Because 'the submitter''s reason, the row''s reason_note'
        ($tighter | Out-String) | Should -Match 'ReasonNote\s+: tighter'
        # The reason is free text from the host's files: a secret's value in it is masked, as in the host's output.
        $secret = ((Get-Content (Join-Path $Sandbox.RepoPath '.env.eth')) -match '^MM_API_KEY=')[0] -replace '^MM_API_KEY=', ''
        Plant 'REASON-LEAK' 'MM_SPREAD_MULTIPLIER' @{ reason_note = "rotated $secret today" }
        (Pending | Where-Object ProposalId -eq 'REASON-LEAK').ReasonNote | Should -Be 'rotated ******** today'
        @(Pending).ProposalId | Should -Be @(Get-MmAdvisorProposal -FromHost -Reason 'compare' -Confirm:$false).ProposalId -Because 'the files give what the script lists'
    }

    It 'with -FromHost runs the host''s listing only after approval, journalled, and -WhatIf runs nothing' {
        $before = (Scripts).Count
        Get-MmAdvisorProposal -FromHost -Reason 'review' -WhatIf
        (Scripts).Count | Should -Be $before
        $result = Invoke-FreshPwsh "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -AuditLogPath '$($Sandbox.AuditLogPath)'; try { Get-MmAdvisorProposal -FromHost -Reason review } catch { `$_.FullyQualifiedErrorId }"
        $result.Output | Should -Contain (Id ApprovalRequired GetMmAdvisorProposalCommand)
        $null = Get-MmAdvisorProposal -FromHost -Reason 'review' -Confirm:$false
        (Scripts)[-1].argv | Should -Contain '--list-pending'
        (Get-MmAuditLog -Last 1 | Where-Object Outcome -ne 'Intended').Reason | Should -Be 'review'
    }

    It 'flags a protected proposal planted in the proposals file' {
        Plant 'PLANTED-LIST' 'MM_STARK_PRIVATE_KEY'
        (Pending | Where-Object ProposalId -eq 'PLANTED-LIST').IsProtected | Should -BeTrue
    }
}

Describe 'A proposals row holding NaN or Infinity (Python writes and reads them)' {
    It 'is listed as the script lists it and applied by id' {
        $row = (Row 'NAN-ROW' @{ market = 'BTC-USD'; param = 'MM_MAX_ORDER_AGE_S'; env_path = Join-Path $Sandbox.RepoPath '.env.btc'; old = $null; proposed = '21' }) -replace '"old":null', '"old":NaN' -replace '\}$', ',"score":Infinity,"drift":-Infinity}'
        Add-Content (Proposals) $row
        $listed = Get-MmAdvisorProposal -FromHost -Reason 'review' -Confirm:$false -ErrorVariable errors | Where-Object ProposalId -eq 'NAN-ROW'
        $errors | Should -BeNullOrEmpty
        ($listed.PreviousValue, $listed.NewValue) | Should -Be @('nan', '21')
        $applied = Approve-MmAdvisorProposal NAN-ROW -Reason 'reviewed' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failed
        # A NaN old value matches no current value, so the script refuses it, as the real one does.
        ($applied.Result, $applied.FailureReason, $applied.NewValue) | Should -Be @('failed', 'current_value_mismatch', '21')
        $failed.FullyQualifiedErrorId | Should -Be (Id AdvisorApplyFailed ApproveMmAdvisorProposalCommand)
    }
}

Describe 'Approve-MmAdvisorProposal' {
    It 'applies by id and reports the key diff with the new status' {
        $id = (Pending | Where-Object Param -eq 'MM_SPREAD_MULTIPLIER')[0].ProposalId
        $applied = Approve-MmAdvisorProposal $id -Reason 'reviewed' -Confirm:$false
        $applied.PSObject.TypeNames[0] | Should -Be 'MmOperator.ProposalApplication'
        ($applied.Result, $applied.Key, $applied.PreviousValue, $applied.NewValue) | Should -Be @('applied', 'MM_SPREAD_MULTIPLIER', '1.5', '1.8')
        $applied.EnvAfterHash | Should -Be (Get-FileHash (Join-Path $Sandbox.RepoPath '.env.eth')).Hash.ToLowerInvariant()
        $applied.NewStatus.Market | Should -Be 'ETH-USD'
        (Get-Invocation $Sandbox)[-1].argv | Should -Be @('status', 'eth', '--json')
        # The view fits 80 columns: the line wraps between words.
        ($applied | Out-String) | Should -Match "Result:\r?\n- $id`: ETH-USD MM_SPREAD_MULTIPLIER:\s+'1.5' -> '1.8' \[applied\]"
    }

    It 'a proposal that raises a limit 1000x needs -Force: -Confirm:$false alone is refused before the apply command runs' {
        $id = ([pscustomobject]@{ Market = 'eth'; Param = 'MM_MAX_POSITION_SIZE'; Proposed = '100000' } | Submit-MmAdvisorProposal -Reason 'typo' -Confirm:$false).ProposalIds[0]
        $before = (Scripts).Count
        { Approve-MmAdvisorProposal $id -Reason 'reviewed' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId (Id RiskChangeNeedsForce ApproveMmAdvisorProposalCommand) -ExpectedMessage "*RISK: ETH-USD MM_MAX_POSITION_SIZE x1000 ('100' -> '100000')*"
        @(Scripts | Select-Object -Skip $before | Where-Object { $_.argv -contains '--approve' }).Count | Should -Be 0
        $applied = Approve-MmAdvisorProposal $id -Reason 'intended' -Confirm:$false -Force
        ($applied.Result, $applied.Approval) | Should -Be @('applied', 'ConfirmFalse+Force')
        $null = Set-MmEnvParam -Market eth MM_MAX_POSITION_SIZE 100 -Reason 'back' -Confirm:$false -Force
    }

    It 'applies through the pipeline' {
        $applied = Pending | Where-Object Param -eq 'MM_MIN_OFFSET_BPS' | Approve-MmAdvisorProposal -Reason 'reviewed' -Confirm:$false
        $applied.Result | Should -Be 'applied'
    }

    It 'refuses a second approval and an unknown id with the scripts reason' {
        $done = (Get-MmAuditLog -Action advisor_approve | Where-Object Outcome -eq Succeeded)[0].Detail -replace ':.*$', ''
        { Approve-MmAdvisorProposal $done -Reason 'again' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id ProposalNotPending ApproveMmAdvisorProposalCommand) -ExpectedMessage '*proposal_not_pending*'
        { Approve-MmAdvisorProposal NOPE-1 -Reason 'x' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id ProposalNotFound ApproveMmAdvisorProposalCommand) -ExpectedMessage '*proposal_id_not_found*'
        { Approve-MmAdvisorProposal '--mode' -Reason 'x' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id InvalidProposalId ApproveMmAdvisorProposalCommand)
    }

    It 'refuses a protected proposal planted in the proposals file before the apply command runs' {
        Plant 'PLANTED-APPROVE' 'MM_API_KEY'
        $before = @(Scripts | Where-Object { $_.argv -contains '--approve' }).Count
        { Approve-MmAdvisorProposal PLANTED-APPROVE -Reason 'sneaky' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id protected_key ApproveMmAdvisorProposalCommand)
        @(Scripts | Where-Object { $_.argv -contains '--approve' }).Count | Should -Be $before
        (Get-MmAuditLog -Last 1).ErrorId | Should -Be 'protected_key'
    }

    It 'reports a failure reason as an error, not a crash' {
        $id = ([pscustomobject]@{ Market = 'btc'; Param = 'MM_SKEW_MAX_BPS'; Proposed = '30' } | Submit-MmAdvisorProposal -Reason 'x' -Confirm:$false).ProposalIds[0]
        (Get-Content -Raw (Join-Path $Sandbox.RepoPath '.env.btc')) -replace 'MM_SKEW_MAX_BPS=20', 'MM_SKEW_MAX_BPS=21' | Set-Content -NoNewline (Join-Path $Sandbox.RepoPath '.env.btc')
        $out = Approve-MmAdvisorProposal $id -Reason 'moved' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errors
        ($out.Result, $out.FailureReason) | Should -Be @('failed', 'current_value_mismatch')
        $errors.FullyQualifiedErrorId | Should -Be (Id AdvisorApplyFailed ApproveMmAdvisorProposalCommand)
    }

    It 'refuses a proposal that would blank its key, before the apply command runs' {
        Plant 'PLANTED-EMPTY' 'MM_SPREAD_MULTIPLIER' @{ old = $null; proposed = '' }
        $env = Join-Path $Sandbox.RepoPath '.env.eth'
        $hash = (Get-FileHash $env).Hash
        { Approve-MmAdvisorProposal PLANTED-EMPTY -Reason 'blank it' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id EmptyProposedValue ApproveMmAdvisorProposalCommand) -ExpectedMessage '*Remove-MmEnvParam*'
        @(Scripts | Where-Object { $_.argv -contains 'PLANTED-EMPTY' }).Count | Should -Be 0
        (Get-FileHash $env).Hash | Should -Be $hash
        (Get-MmAuditLog -Last 1).ErrorId | Should -Be 'EmptyProposedValue'
    }

    It 'refuses a planted value <Name> a direct edit would refuse, before the apply command runs' -ForEach @(
        @{ Name = 'with a line break'; Param = 'MM_NUM_PRICE_LEVELS'; Value = "3`nMM_ENVIRONMENT=mainnet"; ErrorId = 'InvalidEnvValue' }
        @{ Name = 'the bot cannot load'; Param = 'MM_OFFSET_MODE'; Value = 'sideways'; ErrorId = 'EnvValueOutOfBounds' }
    ) {
        Plant "PLANTED-$Param" $Param @{ old = $null; proposed = $Value }
        $env = Join-Path $Sandbox.RepoPath '.env.eth'
        $hash = (Get-FileHash $env).Hash
        { Approve-MmAdvisorProposal "PLANTED-$Param" -Reason 'planted' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id $ErrorId ApproveMmAdvisorProposalCommand)
        @(Scripts | Where-Object { $_.argv -contains "PLANTED-$Param" }).Count | Should -Be 0
        (Get-FileHash $env).Hash | Should -Be $hash
    }

    It 'refuses a planted proposal whose env_path is <Name>, before the apply command runs; the plan names the file' -ForEach @(
        @{ Name = 'another market''s file'; File = '.env.btc' }
        @{ Name = 'outside the repo'; File = '../outside.env' }
    ) {
        $target = Join-Path $Sandbox.RepoPath $File
        if (-not (Test-Path $target)) { Set-Content $target 'MM_NUM_PRICE_LEVELS=2' }
        $id = 'PLANTED-PATH-' + ($File -replace '[^a-z]', '')
        Plant $id 'MM_NUM_PRICE_LEVELS' @{ old = $null; proposed = '3'; env_path = $target }
        $hash = (Get-FileHash $target).Hash
        $refusal = { Approve-MmAdvisorProposal $id -Reason 'planted' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id ProposalEnvFileRefused ApproveMmAdvisorProposalCommand) -PassThru
        $refusal.Exception.Message | Should -Match ([regex]::Escape((Join-Path $Sandbox.RepoPath '.env.eth')))
        @(Scripts | Where-Object { $_.argv -contains $id }).Count | Should -Be 0
        (Get-FileHash $target).Hash | Should -Be $hash
    }

    It 'refuses a change to <Param>, which only a human may make, before the apply command runs' -ForEach @(
        @{ Param = 'MM_MARKET_NAME'; Value = 'BTC-USD' }
        @{ Param = 'MM_ENVIRONMENT'; Value = 'mainnet' }
    ) {
        Plant "PLANTED-$Param" $Param @{ old = $null; proposed = $Value }
        $env = Join-Path $Sandbox.RepoPath '.env.eth'
        $hash = (Get-FileHash $env).Hash
        $refused = { Approve-MmAdvisorProposal "PLANTED-$Param" -Reason 'switch' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id HumanOnlyKey ApproveMmAdvisorProposalCommand) -ExpectedMessage '*to a human*' -PassThru
        $refused.CategoryInfo.Category | Should -Be 'PermissionDenied'
        @(Scripts | Where-Object { $_.argv -contains "PLANTED-$Param" }).Count | Should -Be 0
        (Get-FileHash $env).Hash | Should -Be $hash
    }

    It 'plans, reports and shows with -Verbose a proposed value that holds the vault id as typed, never masked by substring' {
        # Masking the part that equals the vault id would answer, with no approval, whether a chosen value holds it (issue 19).
        $vault = (Get-Content (Join-Path $Sandbox.RepoPath '.env.eth')) -match '^MM_VAULT_ID=' -replace '^MM_VAULT_ID=', ''
        $current = (Get-MmEnvParam eth MM_MAX_POSITION_SIZE).Value
        $id = "SIZE-$vault"
        Plant $id 'MM_MAX_POSITION_SIZE' @{ old = $current; proposed = "1${vault}0" }
        $plan = Invoke-FreshPwsh "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -PythonPath '$($Sandbox.PythonPath)' -AuditLogPath '$($Sandbox.AuditLogPath)'; `$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'; Approve-MmAdvisorProposal $id -Reason 'size review' -WhatIf"
        $plan.Output -join "`n" | Should -Match ([regex]::Escape("ETH-USD MM_MAX_POSITION_SIZE: '$current' -> '1${vault}0'"))
        # Far beyond 10x the current limit: a risk change, confirmed with -Force.
        $out = Approve-MmAdvisorProposal $id -Reason 'size review' -Confirm:$false -Force -Verbose 4>&1
        @($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match ([regex]::Escape("--proposal-id $id --approve"))
        $applied = $out | Where-Object { $_.PSObject.TypeNames[0] -eq 'MmOperator.ProposalApplication' }
        ($applied.Result, $applied.NewValue) | Should -Be @('applied', "1${vault}0")
        (Get-MmEnvParam eth MM_MAX_POSITION_SIZE).Value | Should -Be "1${vault}0"
        (Get-MmAuditLog -Last 1).NewValue | Should -Be "1${vault}0"
    }

    It '-WhatIf lists what would be applied, read from the host''s files, and runs nothing, not even the listing' {
        $id = ([pscustomobject]@{ Market = 'eth'; Param = 'MM_SKEW_MAX_BPS'; Proposed = '21' } | Submit-MmAdvisorProposal -Reason 'preview' -Confirm:$false).ProposalIds[0]
        $before = (Scripts).Count
        $plan = (Approve-MmAdvisorProposal $id, SOME-ID -Reason 'preview' -WhatIf -ErrorVariable refused -ErrorAction SilentlyContinue 6>&1) -join "`n"
        $plan | Should -Match ("(?m)^- Action\(s\): .*--proposal-id {0} --approve --json \(ETH-USD MM_SKEW_MAX_BPS: '[^']*' -> '21' in {1}\)$" -f [regex]::Escape($id), [regex]::Escape((Join-Path $Sandbox.RepoPath '.env.eth')))
        $refused.FullyQualifiedErrorId | Should -Be (Id ProposalNotFound ApproveMmAdvisorProposalCommand) -Because 'an id that is not pending is what the apply would refuse'
        (Scripts).Count | Should -Be $before
    }
}

Describe 'Invoke-MmAdvisorAutoApply' {
    It 'with nothing eligible runs nothing and says so' {
        foreach ($p in Pending | Where-Object { -not $_.IsProtected }) { $null = Approve-MmAdvisorProposal $p.ProposalId -Reason 'clear' -Confirm:$false -ErrorAction SilentlyContinue }
        $before = @(Scripts | Where-Object { $_.argv -contains 'warren-auto' }).Count
        $warning = Invoke-MmAdvisorAutoApply -Reason 'auto' -Confirm:$false 3>&1
        "$warning" | Should -Match 'No pending proposal is eligible'
        @(Scripts | Where-Object { $_.argv -contains 'warren-auto' }).Count | Should -Be $before
    }

    It '-WhatIf lists the proposals warren-auto would apply, read from the host''s files, and runs nothing' {
        $id = ([pscustomobject]@{ Market = 'btc'; Param = 'MM_MIN_SPREAD_BPS'; Proposed = '3'; Confidence = 'high'; EscalationTarget = 'warren'; Deadman = 'true' } | Submit-MmAdvisorProposal -Reason 'tune' -Confirm:$false).ProposalIds[0]
        $before = (Scripts).Count
        $plan = (Invoke-MmAdvisorAutoApply -Reason 'preview' -WhatIf 6>&1) -join "`n"
        $ran = (Scripts).Count
        $null = Approve-MmAdvisorProposal $id -Reason 'clear' -Confirm:$false   # nothing left eligible for the next test, whatever this one finds
        $plan | Should -Match ("(?m)^- Action\(s\): .*warren-auto.* \(applies 1, in this order: {0}: BTC-USD MM_MIN_SPREAD_BPS: '[^']*' -> '3' in \.env\.btc\)$" -f [regex]::Escape($id))
        $ran | Should -Be $before
    }

    It 'applies exactly the eligible ones and reports each with its market status' {
        $ids = ([pscustomobject]@{ Market = 'eth'; Param = 'MM_MIN_SPREAD_BPS'; Proposed = '1'; Confidence = 'high'; EscalationTarget = 'warren'; Deadman = 'true' },
                [pscustomobject]@{ Market = 'btc'; Param = 'MM_MIN_SPREAD_BPS'; Proposed = '2'; Confidence = 'medium'; EscalationTarget = 'warren'; Deadman = 'true' } | Submit-MmAdvisorProposal -Reason 'tune' -Confirm:$false).ProposalIds
        $results = Invoke-MmAdvisorAutoApply -Reason 'auto' -Confirm:$false
        @($results).Count | Should -Be 1
        $results.ProposalId | Should -Be $ids[0]
        $results.Mode | Should -Be 'warren-auto'
        $results.NewStatus.Market | Should -Be 'ETH-USD'
    }

    It 'refuses the whole run when an eligible proposal turns a guard off, unless -Force is given' {
        $null = [pscustomobject]@{ Market = 'btc'; Param = 'MM_DEADMAN_ENABLED'; Proposed = 'false'; Confidence = 'high'; EscalationTarget = 'warren'; Deadman = 'true' } | Submit-MmAdvisorProposal -Reason 'tune' -Confirm:$false
        $before = @(Scripts | Where-Object { $_.argv -contains 'warren-auto' }).Count
        { Invoke-MmAdvisorAutoApply -Reason 'auto' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId (Id RiskChangeNeedsForce InvokeMmAdvisorAutoApplyCommand) -ExpectedMessage '*RISK: BTC-USD MM_DEADMAN_ENABLED guard off*'
        @(Scripts | Where-Object { $_.argv -contains 'warren-auto' }).Count | Should -Be $before
        (Invoke-MmAdvisorAutoApply -Reason 'auto' -Confirm:$false -Force).Result | Should -Be 'applied'
        $null = Set-MmEnvParam -Market btc MM_DEADMAN_ENABLED true -Reason 'back' -Confirm:$false
    }

    It 'refuses the whole run when an eligible proposal is protected' {
        Plant 'PLANTED-AUTO' 'MM_VAULT_ID' @{ deadman = $true; confidence = 'high'; escalation_target = 'warren'; guardrail_status = 'passed' }
        $null = [pscustomobject]@{ Market = 'eth'; Param = 'MM_SKEW_MAX_BPS'; Proposed = '23'; Confidence = 'high'; EscalationTarget = 'warren'; Deadman = 'true' } | Submit-MmAdvisorProposal -Reason 'tune' -Confirm:$false
        $before = @(Scripts | Where-Object { $_.argv -contains 'warren-auto' }).Count
        { Invoke-MmAdvisorAutoApply -Reason 'auto' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id protected_key InvokeMmAdvisorAutoApplyCommand)
        @(Scripts | Where-Object { $_.argv -contains 'warren-auto' }).Count | Should -Be $before
    }
}

Describe 'More pending proposals than the listing answers (it stops at 50)' {
    BeforeAll {
        $script:Big = New-TestSandbox -Market eth, btc
        $advisor = New-Item -ItemType Directory -Force (Join-Path $Big.RepoPath 'data/mm_audit/advisor')
        # q-01 (oldest) .. q-61 (newest), in a shuffled file order.
        $rows = foreach ($i in 0..60 | Sort-Object { ($_ * 37) % 61 }) {
            Row ('q-{0:00}' -f ($i + 1)) @{ ts = 1795600001 + $i; env_path = Join-Path $Big.RepoPath '.env.eth'; old = '1.5'; proposed = '1.6' }
        }
        Set-Content (Join-Path $advisor 'proposals.jsonl') $rows
    }

    AfterAll {
        Remove-TestSandbox $Big
        $Sandbox | Set-MmOperatorOption
    }

    It 'Get-MmAdvisorProposal returns all 61 from the files, running nothing' {
        $before = @(Get-Invocation $Big).Count
        $listed = @(Get-MmAdvisorProposal -WarningVariable warnings)
        ($listed.Count, $listed[0].ProposalId, $warnings.Count) | Should -Be @(61, 'q-61', 0)
        @(Get-Invocation $Big).Count | Should -Be $before
    }

    It 'Get-MmAdvisorProposal -FromHost returns all 61, newest first, and warns that the listing stops at 50' {
        $listed = @(Get-MmAdvisorProposal -FromHost -Reason 'review' -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        $listed.Count | Should -Be 61
        ($listed[0].ProposalId, $listed[-1].ProposalId) | Should -Be @('q-61', 'q-01')
        "$warnings" | Should -Match 'at most 50'
        $argv = @(Get-Invocation $Big | Where-Object tool -eq 'mm_advisor_apply.py')[-1].argv
        $argv | Should -Contain '--list-pending'
        $argv | Should -Not -Contain '--list-limit'
    }

    It 'Approve-MmAdvisorProposal applies a pending id the listing leaves out' {
        $applied = Approve-MmAdvisorProposal q-01 -Reason 'the oldest first' -Confirm:$false -WarningAction SilentlyContinue
        ($applied.ProposalId, $applied.Result, $applied.NewValue) | Should -Be @('q-01', 'applied', '1.6')
    }
}

Describe 'Invoke-MmAdvisorAutoApply plans what warren-auto applies' {
    BeforeAll {
        $script:Auto = New-TestSandbox -Market eth, btc
        $script:AutoProposals = Join-Path (New-Item -ItemType Directory -Force (Join-Path $Auto.RepoPath 'data/mm_audit/advisor')) 'proposals.jsonl'
        # An eligible warren-auto row for key n (param MM_WL_<n>, on eth for odd n, btc for even n).
        function script:AutoRow([string] $Id, [int] $Key, [double] $Ts, [hashtable] $Extra = @{}) {
            $slug = ('btc', 'eth')[$Key % 2]
            $fields = @{ ts = $Ts; market = "$($slug.ToUpperInvariant())-USD"; env_path = Join-Path $Auto.RepoPath ".env.$slug"; param = 'MM_WL_{0:00}' -f $Key
                         old = $null; proposed = '1'; deadman = $true; confidence = 'high'; escalation_target = 'warren' }
            foreach ($k in $Extra.Keys) { $fields[$k] = $Extra[$k] }
            Row $Id $fields
        }
        function script:Base { 1795600000 }
        # 25 eligible keys, newest first in the file; for some keys a second row the script does not take:
        # older, an equal ts later in the file, newer but deadman "true" (a string), rejected, confidence "HIGH".
        $rows = @(foreach ($n in 25..1) { AutoRow ('wl-{0:00}' -f $n) $n ((Base) + $n) })
        $rows += AutoRow 'wd-03' 3 ((Base) + 2.5)
        $rows += AutoRow 'wt-05' 5 ((Base) + 5)
        $rows += AutoRow 'wx-07' 7 ((Base) + 7.5) @{ deadman = 'true' }
        $rows += AutoRow 'wr-09' 9 ((Base) + 9.5) @{ rejected = $true }
        $rows += AutoRow 'wc-11' 11 ((Base) + 11.5) @{ confidence = 'HIGH' }
        Set-Content $AutoProposals $rows
    }

    AfterAll {
        Remove-TestSandbox $Auto
        $Sandbox | Set-MmOperatorOption
    }

    It 'plans exactly the 20 the script applies, oldest first, and reports them' {
        $script:Before = @(Get-Invocation $Auto).Count
        $out = Invoke-MmAdvisorAutoApply -Reason 'deadman window' -Confirm:$false -Verbose -ErrorVariable errors 4>&1
        $plan = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Plan:*' })[0].Message
        $script:Applied = @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $expected = foreach ($n in 1..20) { 'wl-{0:00}' -f $n }

        [regex]::Matches($plan, '\bw[a-z]-\d\d\b').Value | Should -Be $expected
        $Applied.ProposalId | Should -Be $expected
        $receipts = Get-Content (Join-Path $Auto.RepoPath 'data/mm_audit/advisor/apply_receipts.jsonl') | ConvertFrom-Json
        ($receipts | Where-Object result -eq 'applied').proposal_id | Should -Be $expected
        $errors | Should -BeNullOrEmpty
    }

    It 'runs mmctl status once per market it changed, and each result carries its market status' {
        $status = @(Get-Invocation $Auto | Select-Object -Skip $Before | Where-Object { $_.tool -eq 'mmctl' -and $_.argv[0] -eq 'status' })
        ($status | ForEach-Object { $_.argv -join ' ' } | Sort-Object) | Should -Be @('status btc --json', 'status eth --json')
        @($Applied | Where-Object { $_.NewStatus.Market -ne $_.Market }).Count | Should -Be 0
    }

    It 'refuses the whole run when a planned proposal changes MM_ENVIRONMENT' {
        Add-Content $AutoProposals (AutoRow 'we-env' 1 ((Base) + 100) @{ param = 'MM_ENVIRONMENT'; proposed = 'mainnet' })
        $before = @(Get-Invocation $Auto | Where-Object { $_.argv -contains 'warren-auto' }).Count
        { Invoke-MmAdvisorAutoApply -Reason 'auto' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id HumanOnlyKey InvokeMmAdvisorAutoApplyCommand) -ExpectedMessage '*MM_ENVIRONMENT*human*'
        @(Get-Invocation $Auto | Where-Object { $_.argv -contains 'warren-auto' }).Count | Should -Be $before
        Get-Content (Join-Path $Auto.RepoPath '.env.eth') | Should -Contain 'MM_ENVIRONMENT=testnet'
    }

    It 'refuses the whole run when a planned proposal would blank its key' {
        Add-Content $AutoProposals (AutoRow 'we-empty' 30 ((Base) + 50) @{ proposed = '' })
        $before = @(Get-Invocation $Auto | Where-Object { $_.argv -contains 'warren-auto' }).Count
        { Invoke-MmAdvisorAutoApply -Reason 'auto' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id EmptyProposedValue InvokeMmAdvisorAutoApplyCommand) -ExpectedMessage '*we-empty*'
        @(Get-Invocation $Auto | Where-Object { $_.argv -contains 'warren-auto' }).Count | Should -Be $before
    }

    It 'runs nothing when its reading of the files does not give what the script lists' {
        # A NaN ts compares false with every ts: Python's sort leaves a first row with one at the top of the
        # listing, where the module orders it last. The module does not guess Python's sort: it stops.
        Set-Content $AutoProposals (@((AutoRow 'wn-01' 40 ((Base) + 60)) -replace '"ts":\s*[0-9.eE+]+', '"ts": NaN') + @(Get-Content $AutoProposals))
        $before = @(Get-Invocation $Auto | Where-Object { $_.argv -contains 'warren-auto' }).Count
        { Invoke-MmAdvisorAutoApply -Reason 'auto' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id PendingListMismatch InvokeMmAdvisorAutoApplyCommand) -ExpectedMessage '*wn-01*'
        @(Get-Invocation $Auto | Where-Object { $_.argv -contains 'warren-auto' }).Count | Should -Be $before
    }
}

Describe 'Faults in the advisor scripts' {
    AfterEach { $Sandbox | Set-MmOperatorOption -TimeoutSec 90 }

    It '<Fault> on <On> gives <ErrorId>' -ForEach @(
        @{ Fault = 'hang'; On = 'list-pending'; ErrorId = 'HostCommandTimedOut' }
        @{ Fault = 'garbage'; On = 'list-pending'; ErrorId = 'HostOutputInvalid' }
        @{ Fault = 'exit:2'; On = 'list-pending'; ErrorId = 'HostCommandFailed' }
        @{ Fault = 'error-json'; On = 'list-pending'; ErrorId = 'HostReportedError' }
    ) {
        # Only the hang waits for the timeout: the others answer, however slowly a loaded machine starts them.
        Set-MmOperatorOption -TimeoutSec ($Fault -eq 'hang' ? 3 : 90)
        $errors = Invoke-WithFault $Fault -On $On { Get-MmAdvisorProposal -FromHost -Reason 'review' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e; $e }
        $errors[0].FullyQualifiedErrorId | Should -Be (Id $ErrorId GetMmAdvisorProposalCommand)
    }

    It 'a garbage submit answer is a failure, never a success' {
        $out = Invoke-WithFault 'garbage' -On 'submit' { [pscustomobject]@{ Market = 'eth'; Param = 'MM_SKEW_MAX_BPS'; Proposed = '24' } | Submit-MmAdvisorProposal -Reason 'x' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e; $e }
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).FullyQualifiedErrorId | Should -Be (Id HostOutputInvalid SubmitMmAdvisorProposalCommand)
        (Get-MmAuditLog -Last 1).Outcome | Should -Be 'Failed'
    }
}
