BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox -Market eth
    # The journal gets a start (its detail names the pid; Remove-TestSandbox ends the bot), an .env edit (a key diff and two sha256) and a submission.
    $script:Started = Start-MmMarket eth -Reason 'planned maintenance window for the eth market, agreed with the desk' -Confirm:$false
    $script:Change = Set-MmEnvParam -Market eth -Key MM_SPREAD_MULTIPLIER -Value 1.7 -Reason 'widen after the fills' -Confirm:$false
    $script:Submitted = [pscustomobject]@{ Market = 'eth'; Param = 'MM_SPREAD_MULTIPLIER'; Proposed = '1.8500001'; Confidence = 'high' } |
        Submit-MmAdvisorProposal -Reason 'tune the spread' -Confirm:$false
    $script:Proposals = @(Get-MmAdvisorProposal -FromHost -Reason 'review the pending proposals' -Confirm:$false)
    $script:Records = @(Get-MmAuditLog)

    # The default view at 80 columns: every line fits, nothing ends in an ellipsis, and each text is there whole
    # (wrapping only between words, so the text with its whitespace collapsed is found in the rendering's).
    function script:Assert-Fits80([object[]] $InputObject, [string[]] $Whole) {
        $text = $InputObject | Out-String -Width 80
        $long = @($text -split '\r?\n' | Where-Object { $_.Length -gt 80 })
        $long | Should -BeNullOrEmpty -Because 'every line fits 80 columns'
        $text | Should -Not -Match '…'
        # Wrapped, not cut: a word longer than its column (a long path) is broken where it must be, so the
        # text is compared without the layout's white space.
        $flat = $text -replace '\s+', ''
        foreach ($part in $Whole) { $flat.Contains(($part -replace '\s+', '')) | Should -BeTrue -Because "'$part' is shown whole" }
    }

    # One column of a table, its wrapped lines joined: the text a reader follows down the column.
    function script:Get-Column([object[]] $InputObject, [int] $From, [int] $Width) {
        (($InputObject | Out-String -Width 80) -split '\r?\n' | Select-Object -Skip 3 | ForEach-Object { if ($_.Length -gt $From) { $_.Substring($From, [Math]::Min($Width, $_.Length - $From)) } }) -join ' ' -replace '\s+', ' '
    }
}

AfterAll { Remove-TestSandbox $Sandbox }

Describe 'Default views at 80 columns' {
    It 'Get-MmCapability shows every name, cmdlet and note whole' {
        $capabilities = Get-MmCapability
        Assert-Fits80 $capabilities -Whole (@($capabilities.Name) + 'Invoke-MmAdvisorAutoApply' + 'NOT SUPPORTED')
        $cmdlets = Get-Column $capabilities -From 30 -Width 25
        $cmdlets | Should -Match 'Get-MmStatus Start-MmMarket .* Set-MmEnvParam, Remove-MmEnvParam Submit-MmAdvisorProposal'
        $notes = Get-Column $capabilities -From 56 -Width 24
        foreach ($note in $capabilities.Note) { $notes.Contains($note) | Should -BeTrue -Because "the note '$note' is shown whole" }
    }

    It 'Get-MmAuditLog shows each record''s detail, key diff and reason whole' {
        $Records.Count | Should -BeGreaterOrEqual 4
        Assert-Fits80 $Records -Whole (@($Records.Detail) + @($Records.Reason) + "MM_SPREAD_MULTIPLIER: '1.5' -> '1.7'")
        ($Records | Out-String -Width 80) | Should -Match ('started \(pid {0}\)' -f $Started.NewStatus.Pid)
    }

    It 'Get-MmEnvParam shows the notes whole' {
        $params = Get-MmEnvParam -Market eth
        $text = $params | Out-String -Width 80
        $text | Should -Match '(?m)^MM_API_KEY +\*{8} +\d+ protected$'
        Assert-Fits80 $params -Whole @($params.Key)
    }

    It 'Get-MmApprovalRequest shows the Plan, every bound field and the requester whole, escaped' {
        $file = Join-Path $Sandbox.RepoPath '.env.eth'
        $request = [MmOperator.Approvals.ApprovalRequest]@{
            Id = 'apr-0123456789ab'; Cmdlet = 'Set-MmEnvParam'; Action = 'set'; Target = "MM_MAX_POSITION_SIZE in $file"; Key = 'MM_MAX_POSITION_SIZE'
            Values = [string[]] '100000'; Reason = 'raise the position cap after the desk review of the week'
            Plan = [MmOperator.Reporting.RunbookText]::Plan("set MM_MAX_POSITION_SIZE in ${file}: '100' -> '100000'", 'raise the position cap after the desk review of the week', $true)
            Requester = "agent@host pid 4242 (ConstrainedLanguage, via local:agent`nPlan:`n- Action(s): set MM_LOG_LEVEL`e[8m)"
            RequestedAt = [datetime]::UtcNow; ExpiresAt = [datetime]::UtcNow.AddMinutes(30)
        }
        $shown = [psobject]::AsPSObject($request)
        $shown.PSObject.TypeNames.Insert(0, 'MmOperator.ApprovalRequest')
        Assert-Fits80 $shown -Whole (@($request.Details -split "`n") + "'100' -> '100000'" + 'via local:agent\u{0A}Plan:\u{0A}- Action(s): set MM_LOG_LEVEL\u{1B}[8m)')
        ($shown | Out-String -Width 80) | Should -Not -Match '[\x00-\x09\x0B-\x1F]'
    }

    It 'Get-MmAdvisorProposal shows the id and the value to approve whole' {
        $Proposals.Count | Should -Be 1
        Assert-Fits80 $Proposals -Whole @($Submitted.ProposalIds[0], 'NewValue : 1.8500001', 'PreviousValue : 1.7')
    }
}

Describe 'Reports: ConvertTo-Json and Export-Csv' {
    It 'ConvertTo-Json of <Name> writes enum names, times as UTC ISO 8601 and no TimeSpan' -ForEach @(
        @{ Name = 'audit records'; Make = { $Records }; Expect = '"Outcome": "Succeeded"' }
        @{ Name = 'proposals'; Make = { $Proposals }; Expect = '"NewValue": "1.8500001"' }
        @{ Name = 'env params'; Make = { Get-MmEnvParam -Market eth -Name MM_SPREAD_MULTIPLIER }; Expect = '"Key": "MM_SPREAD_MULTIPLIER"' }
        @{ Name = 'env changes'; Make = { $Change }; Expect = '"PreviousValue": "1.5"' }
        @{ Name = 'capabilities'; Make = { Get-MmCapability }; Expect = '"NeedsApproval": true' }
        @{ Name = 'playbooks'; Make = { Get-MmPlaybook }; Expect = '"Action": "stop"' }
        @{ Name = 'options'; Make = { Get-MmOperatorOption }; Expect = '"TimeoutSec": \d+' }
        @{ Name = 'approval requests'; Make = { [MmOperator.Approvals.ApprovalRequest]@{ State = 'Denied'; RequestedAt = [datetime]::UtcNow; ExpiresAt = [datetime]::UtcNow.AddMinutes(30) } }; Expect = '"State": "Denied"' }
    ) {
        $json = & $Make | ConvertTo-Json -Depth 4
        $json | Should -Match $Expect
        $json | Should -Not -Match '"(Ticks|TotalSeconds|Days)":' -Because 'durations are plain seconds'
        $json | Should -Not -Match '"(Outcome|State)": \d'
        foreach ($time in [regex]::Matches($json, '"(Time|Created|RequestedAt|ExpiresAt)": "([^"]*)"')) {
            $time.Groups[2].Value | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$'
        }
    }

    It 'an audit record exports its command line as one readable string, and keeps the argv for scripts' {
        $start = $Records | Where-Object Action -eq start | Select-Object -First 1
        $row = $start | ConvertTo-Csv | ConvertFrom-Csv
        $row.CommandLine | Should -Be "$($Sandbox.MmctlPath) start eth --json"
        ($start | ConvertTo-Csv) -join "`n" | Should -Not -Match 'System\.Collections'
        $row.PSObject.Properties.Name | Should -Not -Contain 'Argv'
        $start.Argv | Should -Be @($Sandbox.MmctlPath, 'start', 'eth', '--json')
    }

    It 'Export-Csv of <Name> writes no list''s type name, and keeps <Column> readable' -ForEach @(
        @{ Name = 'playbooks'; Make = { Get-MmPlaybook RecoveryAfterIncident }; Column = 'StepsText'; Expect = 'status \(approval: NO\): Show status first\.\nstart \(approval: YES\)' }
        @{ Name = 'env changes'; Make = { $Change }; Column = 'NewStatusText'; Expect = 'New status:\n- ETH-USD: Running' }
    ) {
        $csv = & $Make | ConvertTo-Csv
        ($csv -join "`n") | Should -Not -Match 'System\.Collections|z__'
        (($csv | ConvertFrom-Csv).$Column -replace '\r') | Should -Match $Expect
    }

    It 'the audit record, the env change and the proposal name the before/after pair alike' {
        $edit = $Records | Where-Object Action -eq set | Select-Object -First 1
        "$($edit.PreviousValue)->$($edit.NewValue)" | Should -Be '1.5->1.7'
        "$($Change.PreviousValue)->$($Change.NewValue)" | Should -Be '1.5->1.7'
        "$($Proposals[0].PreviousValue)->$($Proposals[0].NewValue)" | Should -Be '1.7->1.8500001'
    }

    It 'the journal on disk keeps its field names, and its chain' {
        $line = Get-Content $Sandbox.AuditLogPath | Where-Object { $_ -match '"action":"set"' } | Select-Object -First 1
        $line | Should -Match '"argv":null.*"before":"1\.5","after":"1\.7"'
        $line | Should -Not -Match 'previous_value|command_line'
        (Test-MmAuditLog).IsValid | Should -BeTrue
    }
}

Describe 'Tab completion' {
    BeforeAll {
        function script:Complete([string] $Line) { @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText) }
    }

    It 'offers the keys an edit may change, from the market typed, never a protected one' {
        Complete 'Set-MmEnvParam -Market eth -Name MM_SP' | Should -Be @('MM_SPREAD_MULTIPLIER')
        Complete 'Remove-MmEnvParam -Market eth -Key MM_' | Should -Not -Contain 'MM_API_KEY'
        Complete 'Remove-MmEnvParam -Market eth -Key MM_' | Should -Not -Contain 'MM_ENVIRONMENT'
        Complete 'Get-MmEnvParam eth -Name MM_API' | Should -Be @('MM_API_KEY')
    }

    It 'offers the journal''s actions and outcomes for Get-MmAuditLog, and -Outcome filters' {
        Complete 'Get-MmAuditLog -Action advisor_s' | Should -Be @('advisor_submit')
        Complete 'Get-MmAuditLog -Outcome Ref' | Should -Be @('Refused')
        @(Get-MmAuditLog -Outcome Succeeded -Action set).Count | Should -Be 1
        @(Get-MmAuditLog -Outcome Refused).Count | Should -Be 0
    }

    It 'offers the pending proposal ids to Approve-MmAdvisorProposal without running the listing' {
        $before = Get-InvocationCount $Sandbox
        Complete 'Approve-MmAdvisorProposal ETH' | Should -Be @($Submitted.ProposalIds[0])
        Get-InvocationCount $Sandbox | Should -Be $before
    }
}
