# Faults of the host and crashes of the module: each ends in a clear error, no claim of success, no torn file.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox -Market eth, btc
}

AfterAll {
    foreach ($m in 'eth', 'btc') { $null = Invoke-Mmctl $Sandbox stop $m --json }
    Remove-TestSandbox $Sandbox
}

Describe 'Host faults' {
    AfterEach { $Sandbox | Set-MmOperatorOption -TimeoutSec 90 }

    It 'a missing or non-executable python stops the advisor cmdlets, naming the option' {
        Set-MmOperatorOption -PythonPath (Join-Path $Sandbox.Path 'none/python') -WarningAction SilentlyContinue
        { Get-MmAdvisorProposal -Reason r -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PythonNotFound,MmOperator.Commands.GetMmAdvisorProposalCommand' -ExpectedMessage '*-PythonPath*'
        $copy = Join-Path $Sandbox.Path 'python-noexec'
        Set-Content $copy '#!/bin/sh'
        & chmod 0644 $copy
        Set-MmOperatorOption -PythonPath $copy -WarningAction SilentlyContinue
        { Get-MmAdvisorProposal -Reason r -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PythonNotExecutable,MmOperator.Commands.GetMmAdvisorProposalCommand'
    }

    It 'mmctl killed mid-run is a failure with its exit status, never a success' {
        $null = Invoke-Mmctl $Sandbox start eth --json
        $log = $Sandbox.InvocationLogPath
        $killer = Start-ThreadJob -ScriptBlock {
            param($log)
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ([DateTime]::UtcNow -lt $deadline) {
                $stop = Get-Content $log | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object { $_.argv[0] -eq 'stop' } | Select-Object -Last 1
                if ($stop) { Start-Sleep -Milliseconds 200; Stop-Process -Id $stop.pid -Force; return $stop.pid }
                Start-Sleep -Milliseconds 50
            }
        } -ArgumentList $log
        $out = Invoke-WithFault 'hang' -On 'stop' { Stop-MmMarket eth -Reason 'killed mid-run' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e; $e }
        $killed = $killer | Wait-Job -Timeout 40 | Receive-Job
        $killed | Should -Not -BeNullOrEmpty
        $result = $out | Where-Object { $_.PSObject.TypeNames[0] -eq 'MmOperator.ActionResult' }
        $result.Outcome | Should -Be 'Failed'
        $result.ExitCode | Should -Not -Be 0
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0].FullyQualifiedErrorId | Should -Be 'HostCommandFailed,MmOperator.Commands.StopMmMarketCommand'
        (Get-MmAuditLog -Last 1).Outcome | Should -Be 'Failed'
    }
}

Describe 'Crashes of writers' {
    It 'kill -9 of a writer at random moments always leaves the old or a new file, never a torn one' {
        $file = Join-Path $Sandbox.RepoPath '.env.btc'
        $original = Get-Content -Raw $file
        $others = (Get-MmEnvParam btc | Where-Object Key -ne 'MM_SKEW_MAX_BPS' | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join "`n"
        $script = "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -AuditLogPath '$($Sandbox.AuditLogPath)'; foreach (`$i in 1..400) { `$null = Set-MmEnvParam -Market btc -Name MM_SKEW_MAX_BPS -Value (20 + `$i % 7) -Reason crash -Confirm:`$false }"
        $random = [Random]::new(20261126)
        foreach ($round in 1..12) {
            $writer = Start-Process dotnet -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $script) -PassThru
            Start-Sleep -Milliseconds (1200 + $random.Next(0, 2500))
            Stop-Process -Id $writer.Id -Force
            $writer.WaitForExit()
            $value = (Get-MmEnvParam btc MM_SKEW_MAX_BPS).Value
            $value | Should -BeIn @('20', '21', '22', '23', '24', '25', '26') -Because "round $round left MM_SKEW_MAX_BPS=$value"
            ((Get-MmEnvParam btc | Where-Object Key -ne 'MM_SKEW_MAX_BPS' | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join "`n") | Should -Be $others
            (Get-Content -Raw $file) -replace 'MM_SKEW_MAX_BPS=\d+', 'MM_SKEW_MAX_BPS=20' | Should -Be ($original -replace 'MM_SKEW_MAX_BPS=\d+', 'MM_SKEW_MAX_BPS=20')
        }

        # The lock died with its holder: the next edit goes through.
        (Set-MmEnvParam -Market btc -Name MM_SKEW_MAX_BPS -Value 30 -Reason 'after the crashes' -Confirm:$false).NewValue | Should -Be '30'
        (Test-MmAuditLog).IsValid | Should -BeTrue
    }
}
