<#
.SYNOPSIS
    A short scripted runbook against a new sandbox host: what `build.ps1 Demo` runs.
    Each later feature adds its step here.
#>
param([Parameter(Mandatory)][string] $ModulePath)
$ErrorActionPreference = 'Stop'
# Written to a file or a pipe (a CI log), the demo is plain text: no colour codes.
$plain = [Console]::IsOutputRedirected
if ($plain) { $PSStyle.OutputRendering = 'PlainText' }
Import-Module $ModulePath

function Write-Step([string] $Title) {
    if ($plain) { Write-Host "`n== $Title" } else { Write-Host "`n== $Title" -ForegroundColor Cyan }
}

function New-SessionScript([string] $Command) {
    <# A script for a child pwsh: this module, pointed at the sandbox, then the command. #>
    $script = Join-Path $sandbox.Path 'session.ps1'
    $options = Get-MmOperatorOption
    Set-Content $script ("Import-Module '$ModulePath'; Set-MmOperatorOption -MmctlPath '{0}' -RepoPath '{1}' -AuditLogPath '{2}'; `$ProgressPreference = 'SilentlyContinue'; {3}" -f $options.MmctlPath, $options.RepoPath, $options.AuditLogPath, $Command)
    $script
}

function Invoke-AsPerson([string] $Command, [string[]] $Keys) {
    <#
    A child pwsh at a terminal of its own (tools/terminal.py), as at a person's console: it really
    prompts, and each of the person's keys is typed once its question is on the screen. Shows what the
    person saw, without the terminal's colours and cursor moves.
    #>
    $script = New-SessionScript $Command
    $transcript = Join-Path $sandbox.Path 'terminal.txt'
    $answers = foreach ($key in $Keys) { '--answer', '(default is "N"):', $key }
    $env:NO_COLOR = if ($plain) { '1' } else { $null }
    try { $null | & python3 (Join-Path $PSScriptRoot 'terminal.py') $transcript @answers -- dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -File $script }
    finally { $env:NO_COLOR = $null }
    (Get-Content -Raw $transcript) -replace "`e\[[0-9;?]*[A-Za-z]|`e\][^`a]*`a|`e[=>]", '' -replace "`r", '' | Out-Host
}

Write-Step 'A sandbox host (stand-in mmctl, MM repo, advisor scripts), and the session pointed at it'
$sandbox = New-MmSandbox
$sandbox | Set-MmOperatorOption
$sandbox | Format-List | Out-Host

try {
    Write-Step 'Every market of the repo at a glance, never-started ones too: Get-MmMarket (one mmctl status --json, no approval needed)'
    Get-MmMarket | Out-Host

    Write-Step 'What the runbook allows, and what it does not'
    Get-MmCapability | Out-Host

    Write-Step 'A plan first: Start-MmMarket -WhatIf prints the runbook Plan block and runs nothing'
    Start-MmMarket eth, BTC-USD -Reason 'open for the session' -WhatIf

    Write-Step 'A person at the prompt: one question lists both start commands before any runs; the person answers P (per market), then y for eth and an empty line (No is the default) for SPX500m-USD'
    Invoke-AsPerson "Start-MmMarket eth, SPX500m-USD -Reason 'open for the session'" 'p', 'y', ''
    Wait-MmMarket eth -State Running -Timeout 120 | Out-Host   # a backstop: the start above was already verified

    Write-Step 'An answer from a pipe is not a person''s: yes | pwsh -File start.ps1 asks nothing, runs nothing, and exits 1'
    & bash -c 'yes 2>/dev/null | dotnet "$0" -NoProfile -File "$1" 2>&1' (Join-Path $PSHOME 'pwsh.dll') (New-SessionScript "Start-MmMarket BTC-USD, SPX500m-USD -Reason 'open for the session'") | Out-Host
    Write-Host "exit code $LASTEXITCODE"

    Write-Step 'A script approves explicitly with -Confirm:$false: Result and New status from the JSON'
    Start-MmMarket BTC-USD, SPX500m-USD -Reason 'open for the session' -Confirm:$false | Out-Host

    Write-Step 'SEV1 on BTC-USD and SPX500m-USD: the playbook asks one question that lists each stop command, then stops both side by side (one line per market)'
    Invoke-MmPlaybook Sev1SafetyBreach -Market BTC-USD, SPX500m-USD -Reason 'drawdown limit breached' -Confirm:$false | Format-Table | Out-Host

    Write-Step 'A bot that ignores SIGINT and SIGTERM: mmctl answers "stopped", the module checks and says Failed'
    $env:MM_SANDBOX_FAULT = 'ignore-signals:INT,TERM'; $env:MM_SANDBOX_FAULT_ON = 'start'
    $stubborn = Start-MmMarket MU_24_5-USD -Reason 'a stubborn bot' -Confirm:$false
    Remove-Item Env:MM_SANDBOX_FAULT, Env:MM_SANDBOX_FAULT_ON
    $env:MM_SANDBOX_STOP_GRACE_S = '1'   # the host waits 30 s before its SIGTERM; the sandbox is told to wait 1
    Stop-MmMarket MU_24_5-USD -Reason 'SEV1' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failed | Out-Host
    Remove-Item Env:MM_SANDBOX_STOP_GRACE_S
    Write-Host "$($failed[0].FullyQualifiedErrorId)`n  $($failed[0].Exception.Message)"
    Stop-Process -Id $stubborn.Output.pid -Force   # what the human on duty does

    Write-Step 'An action mmctl does not have is refused and escalated, never simulated'
    try { Invoke-MmAction flatten -Market eth -Reason 'reduce risk' } catch { Write-Host "$($_.FullyQualifiedErrorId)`n  $($_.Exception.Message)" }

    Write-Step 'Reading .env settings: as the host reads them, secrets masked'
    Get-MmEnvParam eth MM_SPREAD*, MM_API_KEY, MM_STARK* | Out-Host

    Write-Step 'A .env edit: Plan with the key diff, then the approved edit with its key diff and new status'
    Set-MmEnvParam -Market eth -Name MM_SPREAD_MULTIPLIER -Value 1.8 -Reason 'widen in high vol' -WhatIf
    Set-MmEnvParam -Market eth -Name MM_SPREAD_MULTIPLIER -Value 1.8 -Reason 'widen in high vol' -Confirm:$false | Out-Host

    Write-Step 'A protected key is refused, whatever is passed'
    try { Set-MmEnvParam -Market eth -Name MM_API_KEY -Value 'new-key' -Reason 'rotate' -AllowNonMmKey -Confirm:$false -ErrorAction Stop } catch { Write-Host "$($_.FullyQualifiedErrorId)`n  $($_.Exception.Message)" }

    Write-Step 'A fat finger is caught: the position limit 1000x larger (100 -> 100000) needs -Force from a script, or the market retyped by a person'
    try { Set-MmEnvParam -Market eth -Name MM_MAX_POSITION_SIZE -Value 100000 -Reason 'raise the cap' -Confirm:$false -ErrorAction Stop } catch { Write-Host "$($_.FullyQualifiedErrorId)`n  $($_.Exception.Message)" }

    Write-Step 'A campaign from a CSV is all or nothing: one row with a typo (3O, a letter O) and no file is written'
    $campaign = Join-Path $sandbox.Path 'campaign.csv'
    $rows = foreach ($market in 'ETH-USD', 'BTC-USD', 'SPX500m-USD') { [pscustomobject]@{ Market = $market; Name = 'MM_SKEW_MAX_BPS'; Value = '30'; Reason = 'more skew in the trend' } }
    $rows[2].Value = '3O'
    $rows | Export-Csv $campaign
    Import-Csv $campaign | Set-MmEnvParam -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refused
    foreach ($refusal in $refused) { Write-Host "$($refusal.FullyQualifiedErrorId)`n  $($refusal.Exception.Message)" }

    Write-Step 'The row fixed: one Plan lists every key diff, one approval, and every row is written (one batch in the journal)'
    $rows[2].Value = '30'
    $rows | Export-Csv $campaign
    Import-Csv $campaign | Set-MmEnvParam -WhatIf
    $changed = Import-Csv $campaign | Set-MmEnvParam -Confirm:$false -WarningAction SilentlyContinue
    $changed | Format-Table Market, Key, PreviousValue, NewValue, TakesEffect | Out-Host

    Write-Step 'Parameter history: every change of a key, when, by whom and how (the journal, and the host''s config_changelog.jsonl); read only'
    Get-MmEnvHistory -Name MM_SKEW_MAX_BPS | Out-Host

    Write-Step 'The campaign undone as one (Undo-MmEnvParam -Batch): an edit like any other, with its Plan, approval and journal'
    $batch = (Get-MmEnvHistory -Name MM_SKEW_MAX_BPS | Where-Object Id -eq $changed[0].AuditId).Batch
    $undone = Undo-MmEnvParam -Batch $batch -Reason 'the skew campaign overshot' -Confirm:$false -WarningAction SilentlyContinue
    $undone | Format-Table Market, Key, PreviousValue, NewValue | Out-Host
    Write-Host 'In the history, each undo names the change it undid:'
    Get-MmEnvHistory -Batch (Get-MmAuditLog | Where-Object Id -eq $undone[0].AuditId).Batch | Out-Host

    Write-Step 'Advisor: submit a proposal, review the pending list, approve it (each step approved)'
    [pscustomobject]@{ Market = 'BTC-USD'; Param = 'MM_MIN_OFFSET_BPS'; Proposed = '4'; Reason = 'tighter quotes'; Confidence = 'high' } |
        Submit-MmAdvisorProposal -Confirm:$false | Out-Host
    $pending = Get-MmAdvisorProposal -Reason 'review' -Confirm:$false
    $pending | Out-Host
    $pending | Approve-MmAdvisorProposal -Reason 'reviewed' -Confirm:$false | Out-Host

    Write-Step 'Status after the changes'
    Get-MmStatus | Out-Host

    Write-Step 'Status of chosen markets, in each accepted form (always handed to mmctl as the slug)'
    Get-MmStatus eth, BTC-USD, .env.mu_24_5 -Verbose | Out-Host

    Write-Step 'A market outside the accepted forms is refused before anything runs, with the closest safe alternative'
    foreach ($bad in 'ETH/USD', '.env.eth.iter003', '../.env.eth') {
        Get-MmStatus $bad -ErrorAction SilentlyContinue -ErrorVariable refused
        Write-Host "$($refused[0].FullyQualifiedErrorId)`n  $($refused[0].Exception.Message)"
    }

    Write-Step 'A bot crashes after its start: mmctl still lists its pid file, the module calls it Crashed (not Stopped), and its log says why'
    $null = Stop-MmMarket eth -Reason 'restart with a fault' -Confirm:$false
    # The sandbox bot crashes once told to (a file appears), after its start was verified: on a slow machine
    # a crash after a fixed delay could come before the start's last status check and fail the start instead.
    $crash = Join-Path $sandbox.Path 'crash-eth'
    $env:MM_SANDBOX_FAULT = "die-when:$crash"; $env:MM_SANDBOX_FAULT_ON = 'start'
    $null = Start-MmMarket eth -Reason 'a bot that will crash' -Confirm:$false
    Remove-Item Env:MM_SANDBOX_FAULT, Env:MM_SANDBOX_FAULT_ON
    $null = New-Item $crash
    $null = Wait-MmMarket eth -State Crashed -Timeout 120   # a backstop: the bot sees the file within 0.05 s
    Get-MmMarket | Out-Host
    Write-Host 'Get-MmLog eth -Tail 2 (the last lines of its log, secret values masked; not in the agent''s session):'
    Get-MmLog eth -Tail 2 | Out-Host

    Write-Step 'Recovery: status first, then start with approval'
    Invoke-MmPlaybook RecoveryAfterIncident -Market eth -Reason 'bot crashed, incident closed' -Confirm:$false | ForEach-Object { $_ | Out-Host }

    Write-Step 'The audit journal: one hash-chained record per attempt, refusals and declines included'
    Get-MmAuditLog | Out-Host
    Test-MmAuditLog | Out-Host

    Write-Step 'Health in one command: markets by state, stale pid files, the journal chain, pending proposals and requests, the last failure'
    Get-MmHealth | Out-Host

    Write-Step 'Everything that was run on the host (the sandbox logs each stand-in invocation)'
    Get-Content $sandbox.InvocationLogPath | ForEach-Object { $_ | ConvertFrom-Json } |
        ForEach-Object { "{0} {1}" -f $_.tool, ($_.argv -join ' ') } | Out-Host
}
finally {
    foreach ($slug in 'eth', 'btc', 'mu_24_5', 'spx500m') { $null = & $sandbox.MmctlPath stop $slug --json }
    Remove-Item $sandbox.Path -Recurse -Force
}
