BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox
    function script:Id([string] $Name, [string] $Command) { "$Name,MmOperator.Commands.$Command" }
    function script:Stop-All { Stop-SandboxBot $Sandbox }
    function script:Snapshot { @(Get-FileHashes $Sandbox) + @((Get-InvocationCount $Sandbox)) + @(if (Test-Path $Sandbox.AuditLogPath) { (Get-FileHash $Sandbox.AuditLogPath).Hash }) }
}

AfterAll { Remove-TestSandbox $Sandbox }

Describe 'Start-, Stop-, Restart-MmMarket' {
    BeforeEach { Stop-All; $Sandbox | Set-MmOperatorOption -TimeoutSec 90 }

    It 'starts one market and reports Result and New status from the JSON' {
        $result = Start-MmMarket eth -Reason 'open for the session' -Confirm:$false
        $result.PSObject.TypeNames[0] | Should -Be 'MmOperator.ActionResult'
        $result.Action | Should -Be 'start'
        $result.Market | Should -Be 'ETH-USD'
        $result.Command | Should -Be "$($Sandbox.MmctlPath) start eth --json"
        $result.ExitCode | Should -Be 0
        $result.Outcome | Should -Be 'Succeeded'
        $result.Detail | Should -Match '^started \(pid \d+\)$'
        $result.Output.status | Should -Be 'started'
        $result.NewStatus.State | Should -Be 'Running'
        $result.NewStatus.Pid | Should -Be $result.Output.pid
        $result.Output.pid | Should -BeOfType [long]
        $json = $result | ConvertTo-Json -Depth 4 | ConvertFrom-Json
        ($json.Outcome, $json.NewStatus.State, $json.Output.pid) | Should -Be @('Succeeded', 'Running', $result.Output.pid)
        ($result | ConvertTo-Json -Depth 4) | Should -Not -Match '"pid": \d+\.0'
        $result.Reason | Should -Be 'open for the session'
        $result.Approval | Should -Be 'ConfirmFalse'
        $result.AuditId | Should -Not -BeNullOrEmpty
        $result.DurationSec | Should -BeOfType [double]
        (Get-Invocation $Sandbox | Select-Object -Last 2).argv | Should -Be @('start', 'eth', '--json', 'status', 'eth', '--json')
    }

    It 'shows the runbook Result / New status block' {
        $text = Start-MmMarket eth -Reason 'open' -Confirm:$false | Out-String
        $text | Should -Match "(?m)^Result:\r?\n- start ETH-USD: started \(pid \d+\) \[Succeeded\]\r?\nNew status:\r?\n- ETH-USD: Running \(pid \d+\)"
    }

    # Several markets in one command: Incidents.Tests.ps1.
    It 'takes the running markets from Get-MmStatus through the pipeline' {
        $null = Start-MmMarket eth, spx500m -Reason 'open' -Confirm:$false
        $stopped = Get-MmStatus | Where-Object State -eq Running | Stop-MmMarket -Reason 'SEV1' -Confirm:$false
        @($stopped.Market | Sort-Object) | Should -Be @('ETH-USD', 'SPX500m-USD')
        @(Get-MmStatus | Where-Object State -eq Running).Count | Should -Be 0
    }

    It 'already running and not running are NoChange, not failures' {
        $null = Start-MmMarket eth -Reason 'open' -Confirm:$false
        $again = Start-MmMarket eth -Reason 'open again' -Confirm:$false -ErrorVariable errors
        $again.Outcome | Should -Be 'NoChange'
        $again.Detail | Should -Match 'already running'
        $notRunning = Stop-MmMarket btc -Reason 'close' -Confirm:$false -ErrorVariable moreErrors
        $notRunning.Outcome | Should -Be 'NoChange'
        $notRunning.Detail | Should -Be 'not running (.env.btc)'
        $errors + $moreErrors | Should -BeNullOrEmpty
    }

    It 'restarts, and succeeds only when the start half started' {
        $null = Start-MmMarket eth -Reason 'open' -Confirm:$false
        $restart = Restart-MmMarket eth -Reason 'stuck' -Confirm:$false
        $restart.Outcome | Should -Be 'Succeeded'
        $restart.Output.stop.status | Should -Be 'stopped'
        $restart.Output.start.status | Should -Be 'started'
        $restart.NewStatus.Pid | Should -Be $restart.Output.start.pid
    }

    It 'a restart whose start fails is a failure with the hosts words' {
        $null = Start-MmMarket eth -Reason 'open' -Confirm:$false
        $restart = Invoke-WithFault 'start-error' -On 'restart' { Restart-MmMarket eth -Reason 'stuck' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errors; $errors }
        $result = $restart | Where-Object { $_.PSObject.TypeNames[0] -eq 'MmOperator.ActionResult' }
        $result.Outcome | Should -Be 'Failed'
        $result.Detail | Should -Match "start said 'error': injected fault"
        ($restart | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).FullyQualifiedErrorId | Should -Be (Id MarketActionFailed RestartMmMarketCommand)
    }

    It 'a start answered with status error and exit code 0 is a failure, never a success (the trap)' {
        $out = Invoke-WithFault 'start-error' { Start-MmMarket eth -Reason 'open' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errors; $errors }
        $result = $out | Where-Object { $_.PSObject.TypeNames[0] -eq 'MmOperator.ActionResult' }
        $result.Outcome | Should -Be 'Failed'
        $result.ExitCode | Should -Be 0
        $result.Output.status | Should -Be 'error'
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).FullyQualifiedErrorId | Should -Be (Id MarketActionFailed StartMmMarketCommand)
    }

    It 'a bot that dies right after "started" is a failure' {
        # Written behind the module's back: the real bot refuses to run on MM_ENVIRONMENT=staging.
        Set-Content (Join-Path $Sandbox.RepoPath '.env.dead') "MM_MARKET_NAME=DEAD-USD`nMM_ENVIRONMENT=staging" -Force
        # The watch ends when the bot exits, so a long window costs nothing here; a loaded machine's slow
        # Python must not outlast it (the bot dies once it has read its file, however long that takes).
        # (The window is read at import: the module is imported again with it, then as it was.)
        $settle, $env:MMOPERATOR_START_SETTLE_MS = $env:MMOPERATOR_START_SETTLE_MS, '10000'
        Import-MmTestModule
        $Sandbox | Set-MmOperatorOption -TimeoutSec 90
        try {
            $out = Start-MmMarket dead -Reason 'open' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errors
            $out.Outcome | Should -Be 'Failed'
            $out.Detail | Should -Match 'not running a moment later'
            $errors.FullyQualifiedErrorId | Should -Be (Id MarketActionFailed StartMmMarketCommand)
        }
        finally {
            $env:MMOPERATOR_START_SETTLE_MS = $settle
            Import-MmTestModule
            $Sandbox | Set-MmOperatorOption -TimeoutSec 90
            $null = Invoke-Mmctl $Sandbox stop dead --json
            Remove-Item (Join-Path $Sandbox.RepoPath '.env.dead') -Force
        }
    }

    It 'a hung mmctl ends in a timeout error, its process killed, no success claimed' {
        $null = Start-MmMarket eth -Reason 'open' -Confirm:$false
        Set-MmOperatorOption -TimeoutSec 2
        $out = Invoke-WithFault 'hang' -On 'stop' { Stop-MmMarket eth -Reason 'close' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errors; $errors }
        $result = $out | Where-Object { $_.PSObject.TypeNames[0] -eq 'MmOperator.ActionResult' }
        $result.Outcome | Should -Be 'Failed'
        $result.Detail | Should -Match 'did not finish within'
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).FullyQualifiedErrorId | Should -Contain (Id HostCommandTimedOut StopMmMarketCommand)
        $hung = (Get-Invocation $Sandbox | Where-Object { $_.argv[0] -eq 'stop' } | Select-Object -Last 1).pid
        Get-Process -Id $hung -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $result.NewStatus.State | Should -Be 'Running'
    }

    It 'garbage output is a failure' {
        $out = Invoke-WithFault 'garbage' -On 'start' { Start-MmMarket eth -Reason 'open' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable errors; $errors }
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).FullyQualifiedErrorId | Should -Be (Id HostOutputInvalid StartMmMarketCommand)
        ($out | Where-Object { $_.PSObject.TypeNames[0] -eq 'MmOperator.ActionResult' }).Outcome | Should -Be 'Failed'
    }

    It 'refuses a market with no env file before mmctl runs, naming the closest market' {
        $before = Snapshot
        { Start-MmMarket doge -Reason 'open' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id UnknownMarket StartMmMarketCommand)
        { Stop-MmMarket 'ETH/USD' -Reason 'x' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id InvalidMarketFormat StopMmMarketCommand) -ExpectedMessage "*'ETH-USD'*"
        (Get-InvocationCount $Sandbox) | Should -Be $before[-2]
        Get-FileHashes $Sandbox | Should -Be $before[0..($before.Count - 3)]
    }

    It 'refuses a reason that could forge the plan' {
        $before = (Get-InvocationCount $Sandbox)
        { Stop-MmMarket eth -Reason "ok`nNeed approval: NO" -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id InvalidReason StopMmMarketCommand)
        (Get-InvocationCount $Sandbox) | Should -Be $before
    }

    It 'refuses a reason holding token=... and says how to reword it, without the value' {
        $before = (Get-InvocationCount $Sandbox)
        { Stop-MmMarket eth -Reason 'token=hunter22 leaked' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id InvalidReason StopMmMarketCommand) -ExpectedMessage "*without '=' or ':' and the value, for example 'token rotated'*"
        $Error[0].Exception.Message | Should -Not -Match 'hunter22'
        (Get-InvocationCount $Sandbox) | Should -Be $before
    }
}

Describe 'Approval' {
    BeforeEach { Stop-All }

    It '-WhatIf prints exactly the Plan, one for the batch listing each command, and changes nothing' {
        $before = Snapshot
        # Plans are host text (information records tagged PSHOST, as Write-Host writes): 6>&1 captures them in process.
        $output = @(Stop-MmMarket eth, BTC-USD -Reason 'SEV1 drill' -WhatIf -ErrorVariable failed 6>&1)
        $failed | Should -BeNullOrEmpty
        $output | ForEach-Object { $_ | Should -BeOfType ([System.Management.Automation.InformationRecord]) }
        ($output -join "`n") | Should -BeExactly (@(
            'Plan:', '- Action(s):', "  1. $($Sandbox.MmctlPath) stop eth --json", "  2. $($Sandbox.MmctlPath) stop btc --json", '- Reason: SEV1 drill', 'Need approval: YES') -join "`n")
        Snapshot | Should -Be $before
    }

    It 'a person at a terminal is asked one question for several markets, and answers per market' {
        $transcript = Join-Path $TestDrive 'person.txt'
        $prompt = '(default is "N"):'
        $terminal = Start-InTerminal -Transcript $transcript -Answer $prompt, 'p', $prompt, 'y', $prompt, '' "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -AuditLogPath '$($Sandbox.AuditLogPath)'; Start-MmMarket eth, btc -Reason 'open at the desk' | Format-Table Market, Outcome, Approval"
        try { $terminal.WaitForExit(60000) | Should -BeTrue } finally { if (-not $terminal.HasExited) { $terminal.Kill($true) } }
        $terminal.ExitCode | Should -Be 0
        $screen = Read-Terminal $transcript
        $mmctl = [regex]::Escape($Sandbox.MmctlPath)
        $screen | Should -Match "- Action\(s\):\n  1\. $mmctl start eth --json\n  2\. $mmctl start btc --json\n- Reason: open at the desk\nNeed approval: YES\n\nApprove: start 2 markets \(ETH-USD, BTC-USD\)\?\n\[Y\] Yes to all  \[N\] No  \[P\] Per market  \[\?\] Help \(default is `"N`"\): p\n"
        $screen | Should -Match "1 of 2: $mmctl start eth --json\?\n\[Y\] Yes  \[N\] No  \[\?\] Help \(default is `"N`"\): y\n"
        $screen | Should -Match "2 of 2: $mmctl start btc --json\?\n\[Y\] Yes  \[N\] No  \[\?\] Help \(default is `"N`"\): \n"
        $screen | Should -Match 'ETH-USD\s+Succeeded\s+Prompted'
        $journal = @(Get-MmAuditLog -Last 3 | Where-Object Outcome -ne 'Intended')
        ($journal | ForEach-Object { "$($_.Market) $($_.Outcome) $($_.Approval)" }) | Should -Be @('BTC-USD Declined None', 'ETH-USD Succeeded Prompted')
        $journal[0].Detail | Should -Be 'not approved at the prompt (No to 2 of 2)'
    }

    It '-NonInteractive without -Confirm:$false does nothing' {
        $before = (Get-InvocationCount $Sandbox)
        $result = Invoke-FreshPwsh "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -AuditLogPath '$($Sandbox.AuditLogPath)'; try { Start-MmMarket eth -Reason 'open' } catch { `$_.FullyQualifiedErrorId }"
        $result.Output | Should -Contain (Id ApprovalRequired StartMmMarketCommand)
        (Get-InvocationCount $Sandbox) | Should -Be $before
        (Get-MmAuditLog -Last 1).Outcome | Should -Be 'Refused'
    }

    # An empty line at the prompt (the default is No) is answered in the test above and in the demo's (Incidents.Tests.ps1).
    It 'an answer from redirected input is not a person''s: nothing is asked or run, each market is refused, and pwsh -File exits 1: <Name>' -ForEach @(
        @{ Name = 'yes | pwsh -File'; Shell = 'yes 2>/dev/null | dotnet "$0" -NoProfile -File "$1" 2>&1' }
        @{ Name = 'input at its end (cron, ssh without -NonInteractive)'; Shell = 'exec dotnet "$0" -NoProfile -File "$1" < /dev/null 2>&1' }
    ) {
        $script = Join-Path $TestDrive 'open.ps1'
        Set-Content $script "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -AuditLogPath '$($Sandbox.AuditLogPath)'`nStart-MmMarket eth, btc -Reason 'open from a script'`n'the script went on'"
        $before = Get-InvocationCount $Sandbox
        $env:NO_COLOR = '1'
        try { $output = (& bash -c $Shell (Join-Path $PSHOME 'pwsh.dll') $script) -join "`n"; $exit = $LASTEXITCODE } finally { $env:NO_COLOR = $null }
        $exit | Should -Be 1
        $output | Should -Match 'Start-MmMarket: '
        # The error view wraps at 80 columns; its message is read as one line.
        ($output -replace '\n\s*\| ', ' ') | Should -Match 'redirected from a pipe or a file, so an answer would come from there, not from a person\)\. Nothing ran\. Run it at a terminal, or approve explicitly with -Confirm:\$false in a script\.'
        $output | Should -Not -Match 'default is|the script went on|Exception'
        (Get-InvocationCount $Sandbox) | Should -Be $before
        # The command's refusals are one record, naming both markets.
        $journal = Get-MmAuditLog -Last 1
        "$($journal.Market) $($journal.Outcome) $($journal.ErrorId) $($journal.Reason)" | Should -Be 'ETH-USD Refused ApprovalRequired open from a script'
        $journal.Detail | Should -BeLike '2 attempts of this command were refused (ApprovalRequired x2), for ETH-USD, BTC-USD; the first: *'
    }

    It '$ConfirmPreference = None is recorded as such' {
        $ConfirmPreference = 'None'
        (Start-MmMarket eth -Reason 'open').Approval | Should -Be 'ConfirmPreferenceNone'
    }
}

Describe 'Invoke-MmAction and Get-MmCapability' {
    BeforeEach { Stop-All }

    It 'lists every action the runbook names' {
        $capabilities = Get-MmCapability
        $capabilities.Name | Should -Be @('status', 'start', 'stop', 'restart', 'pause_quotes', 'resume_quotes', 'cancel_all', 'flatten', 'set_param', 'env_read', 'env_edit', 'advisor_submit', 'advisor_read_pending', 'advisor_list_pending', 'advisor_approve', 'advisor_warren_auto', 'env_history', 'env_undo', 'metrics')
        ($capabilities | Where-Object Supported | Select-Object -First 4).Cmdlet | Should -Be @('Get-MmStatus', 'Start-MmMarket', 'Stop-MmMarket', 'Restart-MmMarket')
        foreach ($cmdlet in ($capabilities | Where-Object Supported).Cmdlet -split ', ') { Get-Command $cmdlet -Module MmOperator | Should -Not -BeNullOrEmpty }
        ($capabilities | Where-Object Name -eq status).NeedsApproval | Should -BeFalse
        ($capabilities | Where-Object Name -eq stop).NeedsApproval | Should -BeTrue
        ($capabilities | Where-Object Name -in advisor_read_pending, metrics).NeedsApproval | Should -Be @($false, $false)
    }

    It 'refuses <_> without calling anything, and says to escalate' -ForEach 'pause_quotes', 'resume_quotes', 'cancel_all', 'flatten', 'set_param' {
        $before = (Get-InvocationCount $Sandbox)
        { Invoke-MmAction $_ -Market eth -Reason 'risk' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id UnsupportedAction InvokeMmActionCommand) -ExpectedMessage '*Escalate to a human / operator tooling update*'
        (Get-InvocationCount $Sandbox) | Should -Be $before
        $record = Get-MmAuditLog -Last 1
        ($record.Action, $record.Outcome, $record.ErrorId) | Should -Be @($_, 'Refused', 'UnsupportedAction')
    }

    It 'start and stop behave exactly as their cmdlets' {
        $start = Invoke-MmAction start -Market eth -Reason 'open' -Confirm:$false
        $start.PSObject.TypeNames[0] | Should -Be 'MmOperator.ActionResult'
        $start.Outcome | Should -Be 'Succeeded'
        (Invoke-MmAction stop eth -Reason 'close' -Confirm:$false).Detail | Should -Match '^stopped'
    }

    It 'status needs no approval and no market' {
        $null = Start-MmMarket btc -Reason 'open' -Confirm:$false
        (Invoke-MmAction status -Reason 'look').Market | Should -Be 'BTC-USD'
        (Invoke-MmAction status -Market mu_24_5 -Reason 'look').State | Should -Be 'Stopped'
    }

    It 'a state change without -Market is refused, and journalled once' {
        $before = @(Get-MmAuditLog).Count
        { Invoke-MmAction stop -Reason 'x' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id MarketRequired InvokeMmActionCommand)
        $records = @(Get-MmAuditLog | Select-Object -Skip $before)
        ($records.Count, $records[0].Action, $records[0].Outcome, $records[0].ErrorId) | Should -Be @(1, 'stop', 'Refused', 'MarketRequired')
    }

    It 'an unknown action is refused as ValidateSet refuses it, runs nothing, and is journalled once' {
        $before = @(Get-MmAuditLog).Count
        $ran = Get-InvocationCount $Sandbox
        { Invoke-MmAction 'stop;rm' -Market eth, btc -Reason 'typo' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id ParameterArgumentValidationError InvokeMmActionCommand) -ExpectedMessage '*"stop;rm" does not belong to the set "status,start,stop,*'
        (Get-InvocationCount $Sandbox) | Should -Be $ran
        $records = @(Get-MmAuditLog | Select-Object -Skip $before)
        ($records.Count, $records[0].Cmdlet, $records[0].Action, $records[0].Market, $records[0].Outcome, $records[0].ErrorId) | Should -Be @(1, 'Invoke-MmAction', 'stop;rm', 'eth,btc', 'Refused', 'ParameterArgumentValidationError')
    }
}

Describe 'Playbooks' {
    BeforeEach { Stop-All }

    It 'lists the four safe playbooks with their steps' {
        $playbooks = Get-MmPlaybook
        $playbooks.Name | Should -Be @('Sev1SafetyBreach', 'ProcessStuck', 'RecoveryAfterIncident', 'AnalysisOnly')
        (Get-MmPlaybook Recovery*).Steps.Action | Should -Be @('status', 'start')
    }

    It 'SEV1 stops each market, approved as one question that lists each stop command' {
        $null = Start-MmMarket eth, btc -Reason 'open' -Confirm:$false
        $results = Invoke-MmPlaybook Sev1SafetyBreach -Market eth, btc -Reason 'drawdown breach' -Confirm:$false
        $results.Action | Should -Be @('stop', 'stop')
        $results.Outcome | Should -Be @('Succeeded', 'Succeeded')
        $plans = @(Invoke-MmPlaybook Sev1SafetyBreach -Market eth, btc -Reason 'drawdown breach' -WhatIf 6>&1) -join "`n" -split "`n"
        $plans[($plans.IndexOf('- Action(s):'))..($plans.IndexOf('- Action(s):') + 2)] | Should -Be @('- Action(s):', "  1. $($Sandbox.MmctlPath) stop eth --json", "  2. $($Sandbox.MmctlPath) stop btc --json")
    }

    It 'stuck restarts' {
        $null = Start-MmMarket eth -Reason 'open' -Confirm:$false
        (Invoke-MmPlaybook ProcessStuck -Market eth -Reason 'no heartbeat' -Confirm:$false).Action | Should -Be 'restart'
    }

    It 'recovery shows status first, then starts with approval; -WhatIf previews both steps' {
        $out = Invoke-MmPlaybook RecoveryAfterIncident -Market eth -Reason 'incident closed' -Confirm:$false
        $out.ForEach({ $_.PSObject.TypeNames[0] }) | Should -Be @('MmOperator.ActionResult', 'MmOperator.ActionResult')
        ($out[0].Action, $out[0].Approval, $out[0].NewStatus.State) | Should -Be @('status', 'NotRequired', 'Stopped')
        $out[1].Action | Should -Be 'start'
        $null = Invoke-Mmctl $Sandbox stop eth --json
        $before = (Get-InvocationCount $Sandbox)
        $preview = @(Invoke-MmPlaybook RecoveryAfterIncident -Market eth -Reason 'incident closed' -WhatIf 6>&1) -join "`n" -split "`n"
        ($preview | Where-Object { $_ -like '- Action(s):*' -or $_ -like 'Need approval*' }) | Should -Be @(
            "- Action(s): $($Sandbox.MmctlPath) status eth --json", 'Need approval: NO',
            "- Action(s): $($Sandbox.MmctlPath) start eth --json", 'Need approval: YES')
        (Get-InvocationCount $Sandbox) | Should -Be $before
    }

    It 'analysis is status only and needs no market' {
        $before = Get-FileHashes $Sandbox
        $out = Invoke-MmPlaybook AnalysisOnly -Reason 'daily check'
        @($out | Where-Object { $_.PSObject.TypeNames[0] -ne 'MmOperator.ActionResult' -or $_.Action -ne 'status' }).Count | Should -Be 0
        $out.Detail | Should -Be 'mmctl lists no instance: no bot is running or has a pid file'
        (Get-Invocation $Sandbox)[-1].argv | Should -Be @('status', '--json')
        Get-FileHashes $Sandbox | Should -Be $before
    }

    It 'a playbook that needs markets refuses to run without them, journalled once' {
        $before = @(Get-MmAuditLog).Count
        { Invoke-MmPlaybook Sev1SafetyBreach -Reason 'x' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id MarketRequired InvokeMmPlaybookCommand)
        $records = @(Get-MmAuditLog | Select-Object -Skip $before)
        ($records.Count, $records[0].Action, $records[0].Outcome, $records[0].ErrorId) | Should -Be @(1, 'Sev1SafetyBreach', 'Refused', 'MarketRequired')
    }

    It 'an unknown playbook is refused as ValidateSet refuses it, runs nothing, and is journalled once' {
        $before = @(Get-MmAuditLog).Count
        $ran = Get-InvocationCount $Sandbox
        { Invoke-MmPlaybook Sev2 -Market eth -Reason 'typo' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Id ParameterArgumentValidationError InvokeMmPlaybookCommand) -ExpectedMessage '*"Sev2" does not belong to the set "Sev1SafetyBreach,*'
        (Get-InvocationCount $Sandbox) | Should -Be $ran
        $records = @(Get-MmAuditLog | Select-Object -Skip $before)
        ($records.Count, $records[0].Cmdlet, $records[0].Action, $records[0].Outcome, $records[0].ErrorId, $records[0].Reason) | Should -Be @(1, 'Invoke-MmPlaybook', 'Sev2', 'Refused', 'ParameterArgumentValidationError', 'typo')
    }
}
