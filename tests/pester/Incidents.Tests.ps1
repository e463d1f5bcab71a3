# Incidents across markets: several markets in one command, run side by side; and the demo as a user runs it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox
    function script:Id([string] $Name, [string] $Command) { "$Name,MmOperator.Commands.$Command" }
    function script:Stop-All { foreach ($m in 'eth', 'btc', 'mu_24_5', 'spx500m') { $null = Invoke-Mmctl $Sandbox stop $m --json } }
}

AfterAll { Remove-TestSandbox $Sandbox }

Describe 'Several markets at once' {
    BeforeEach { Stop-All }

    It 'runs the approved stops side by side: each market is reported, with a table view that fits 80 columns' {
        $started = Start-MmMarket eth, BTC-USD, .env.mu_24_5 -Reason 'open' -Confirm:$false
        $started.Market | Sort-Object | Should -Be @('BTC-USD', 'ETH-USD', 'MU_24_5-USD')
        $started.Outcome | Should -Be @('Succeeded', 'Succeeded', 'Succeeded')
        $before = Get-InvocationCount $Sandbox
        # Each stop takes 2 s: one after another, the last would start at least 4 s after the first.
        $results = Invoke-WithFault slow-stop:2 -On stop { Stop-MmMarket eth, btc, mu_24_5 -Reason 'SEV1 across markets' -Confirm:$false }
        $stops = @(Get-Invocation $Sandbox | Select-Object -Skip $before | Where-Object { $_.argv[0] -eq 'stop' })
        $stops.Count | Should -Be 3
        ($stops.ts | Measure-Object -Maximum -Minimum | ForEach-Object { $_.Maximum - $_.Minimum }) | Should -BeLessThan 3
        $results.Market | Sort-Object | Should -Be @('BTC-USD', 'ETH-USD', 'MU_24_5-USD')
        $results.Outcome | Should -Be @('Succeeded', 'Succeeded', 'Succeeded')
        $results.NewStatus.State | Should -Be @('Stopped', 'Stopped', 'Stopped')
        (Get-MmAuditLog -Last 3).Id | Sort-Object | Should -Be ($results.AuditId | Sort-Object)
        $table = ($results | Format-Table | Out-String -Width 80) -split "`n"
        $table | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        ($table -join "`n") | Should -Match 'MU_24_5-USD\s+stop\s+Succeeded\s+Stopped\s+\d+\.\d\s+stopped \(pid \d+\)'
    }

    It 'a failing market never stops the others, and -ThrottleLimit is validated' {
        $null = Start-MmMarket eth -Reason 'open' -Confirm:$false
        $results = Restart-MmMarket eth, btc, doge -Reason 'stuck' -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.FullyQualifiedErrorId | Should -Be @((Id UnknownMarket RestartMmMarketCommand))
        $results.Outcome | Should -Be @('Succeeded', 'Succeeded')
        $results.NewStatus.State | Should -Be @('Running', 'Running')
        { Stop-MmMarket eth -ThrottleLimit 0 -Reason 'x' -Confirm:$false } | Should -Throw -ErrorId 'ParameterArgumentValidationError,MmOperator.Commands.StopMmMarketCommand'
    }
}

Describe 'The demo' {
    It 'runs on a new sandbox, answers a real prompt, and writes plain text to a log' {
        $log = Join-Path $TestDrive 'demo.log'
        & bash -c 'exec dotnet "$0" -NoProfile -NonInteractive -File "$1" -ModulePath "$2" > "$3" 2>&1' (Join-Path $PSHOME 'pwsh.dll') (Join-Path $PSScriptRoot '../../tools/Demo.ps1') $env:MMOPERATOR_TEST_MODULE $log
        $LASTEXITCODE | Should -Be 0
        $text = Get-Content -Raw $log
        $text | Should -Not -Match "`e" -Because 'a log gets no colour codes'
        $person = ($text -split '== A person at the prompt')[1] -split '== A script approves' | Select-Object -First 1
        # Asked about both markets before anything ran: y for the first, an empty line (No) for the second.
        $person | Should -Match 'Approve: start ETH-USD\?(.|\n)*\(default is "N"\): y\n(.|\n)*Approve: start SPX500m-USD\?(.|\n)*\(default is "N"\): \n(.|\n)*Result:'
        $person | Should -Match '- start ETH-USD: started \(pid \d+\) \[Succeeded\]'
        $person | Should -Not -Match '- start SPX500m-USD'
        $text | Should -Match 'start SPX500m-USD: Declined' -Because 'the journal keeps the No'
        $text | Should -Match 'Market\s+Action\s+Outcome\s+State\s+Sec\s+Detail' -Because 'SEV1 across two markets is one table'
        $text | Should -Match 'SPX500m-USD\s+Stopped\s+\.env\.spx500m' -Because 'Get-MmMarket lists a never-started market'
        $text | Should -Match 'ETH-USD\s+Crashed\s+\d+ \.env\.eth\s+stale pid file'
        $text | Should -Match '\nsandbox fault: the bot crashed 1\.5 s after it started\n' -Because 'Get-MmLog shows its last words'
        $text | Should -Match 'Journal\s+: chain valid' -Because 'Get-MmHealth sums it up'
        $text | Should -Not -Match 'Exception'
    }
}
