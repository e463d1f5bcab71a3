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
        { Get-MmAdvisorProposal -FromHost -Reason r -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PythonNotFound,MmOperator.Commands.GetMmAdvisorProposalCommand' -ExpectedMessage '*-PythonPath*'
        $copy = Join-Path $Sandbox.Path 'python-noexec'
        Set-Content $copy '#!/bin/sh'
        & chmod 0644 $copy
        Set-MmOperatorOption -PythonPath $copy -WarningAction SilentlyContinue
        { Get-MmAdvisorProposal -FromHost -Reason r -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PythonNotExecutable,MmOperator.Commands.GetMmAdvisorProposalCommand'
    }

    It 'mmctl killed mid-run is a failure with its exit status, never a success' {
        $null = Invoke-Mmctl $Sandbox start eth --json
        $log = $Sandbox.InvocationLogPath
        $killer = Start-ThreadJob -ScriptBlock {
            param($log)
            $deadline = [DateTime]::UtcNow.AddSeconds(120)   # a backstop for a loaded machine
            while ([DateTime]::UtcNow -lt $deadline) {
                $stop = Get-Content $log | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object { $_.argv[0] -eq 'stop' } | Select-Object -Last 1
                if ($stop) { Start-Sleep -Milliseconds 200; Stop-Process -Id $stop.pid -Force; return $stop.pid }
                Start-Sleep -Milliseconds 50
            }
        } -ArgumentList $log
        $out = Invoke-WithFault 'hang' -On 'stop' { Stop-MmMarket eth -Reason 'killed mid-run' -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e; $e }
        $killed = $killer | Wait-Job -Timeout 150 | Receive-Job
        $killed | Should -Not -BeNullOrEmpty
        $result = $out | Where-Object { $_.PSObject.TypeNames[0] -eq 'MmOperator.ActionResult' }
        $result.Outcome | Should -Be 'Failed'
        $result.ExitCode | Should -Not -Be 0
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0].FullyQualifiedErrorId | Should -Be 'HostCommandFailed,MmOperator.Commands.StopMmMarketCommand'
        (Get-MmAuditLog -Last 1).Outcome | Should -Be 'Failed'
    }
}

Describe 'File system faults' {
    AfterEach { $Sandbox | Set-MmOperatorOption }

    It 'an unreadable shared .env (a folder in its place) is refused, nothing changed' {
        $shared = Join-Path $Sandbox.RepoPath '.env'
        Rename-Item $shared '.env.kept' -Force
        $null = New-Item -ItemType Directory $shared
        try {
            { Set-MmEnvParam -Shared MM_LOG_LEVEL DEBUG -Reason 'fault' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'EnvFileRefused,MmOperator.Commands.SetMmEnvParamCommand'
            { Get-MmEnvParam -Shared -ErrorAction Stop } | Should -Throw -ErrorId 'EnvFileRefused,MmOperator.Commands.GetMmEnvParamCommand'
        }
        finally {
            Remove-Item $shared -Force -Recurse
            Rename-Item (Join-Path $Sandbox.RepoPath '.env.kept') '.env' -Force
        }
    }

    It 'a read-only repo folder makes the edit fail cleanly, the file as it was' {
        $file = Join-Path $Sandbox.RepoPath '.env.eth'
        $before = (Get-FileHash $file).Hash
        Get-ChildItem $Sandbox.RepoPath -Force -Filter '.env.eth.lock' | Remove-Item -Force
        & chattr +i $Sandbox.RepoPath 2>$null
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'chattr +i needs root on ext4'; return }
        try {
            { Set-MmEnvParam -Market eth -Name MM_SKEW_MAX_BPS -Value 21 -Reason 'fault' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'EnvWriteFailed,MmOperator.Commands.SetMmEnvParamCommand' -ExpectedMessage '*as it was*'
        }
        finally { & chattr -i $Sandbox.RepoPath }
        (Get-FileHash $file).Hash | Should -Be $before
        (Get-MmAuditLog -Last 1).Outcome | Should -Be 'Failed'
    }

    It 'a disk that fills up mid-edit leaves the old file and no temporary file' {
        $mount = New-Item -ItemType Directory (Join-Path $TestDrive 'small-disk')
        & mount -t tmpfs -o size=600k tmpfs $mount.FullName 2>$null
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'mounting a tmpfs needs root'; return }
        try {
            $small = New-MmSandbox -Path (Join-Path $mount 'host') -Market eth
            $small | Set-MmOperatorOption
            Set-MmOperatorOption -AuditLogPath (Join-Path $TestDrive 'small-disk-audit.jsonl')
            $file = Join-Path $small.RepoPath '.env.eth'
            $null = New-Item -ItemType File "$file.lock"
            $before = (Get-FileHash $file).Hash
            $filler = [IO.File]::OpenWrite((Join-Path $mount 'filler'))
            try { $chunk = [byte[]]::new(4096); while ($true) { $filler.Write($chunk, 0, $chunk.Length); $filler.Flush() } } catch { } finally { $filler.Dispose() }
            { Set-MmEnvParam -Market eth -Name MM_SKEW_MAX_BPS -Value 21 -Reason 'fault' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'EnvWriteFailed,MmOperator.Commands.SetMmEnvParamCommand'
            (Get-FileHash $file).Hash | Should -Be $before
            @(Get-ChildItem $small.RepoPath -Force -Filter '*.tmp').Count | Should -Be 0
        }
        finally {
            $Sandbox | Set-MmOperatorOption
            & umount $mount.FullName
        }
    }
}

Describe 'Crashes of writers' {
    It 'kill -9 of a writer at random moments always leaves the old or a new file, never a torn one' {
        $file = Join-Path $Sandbox.RepoPath '.env.btc'
        $original = Get-Content -Raw $file
        $others = (Get-MmEnvParam btc | Where-Object Key -ne 'MM_SKEW_MAX_BPS' | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join "`n"
        $script = "Import-Module '$env:MMOPERATOR_TEST_MODULE'; Set-MmOperatorOption -MmctlPath '$($Sandbox.MmctlPath)' -RepoPath '$($Sandbox.RepoPath)' -AuditLogPath '$($Sandbox.AuditLogPath)'; foreach (`$i in 1..400) { `$null = Set-MmEnvParam -Market btc -Name MM_SKEW_MAX_BPS -Value (20 + `$i % 7) -Reason crash -Confirm:`$false }"
        $random = [Random]::new(20261126)
        foreach ($round in 1..6) {
            # The kill lands at a random moment after the writer's first edit is journaled, while it keeps editing.
            $journaled = (Get-Item $Sandbox.AuditLogPath).Length
            $writer = Start-Process dotnet -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $script) -PassThru
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ((Get-Item $Sandbox.AuditLogPath).Length -eq $journaled -and -not $writer.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            (Get-Item $Sandbox.AuditLogPath).Length | Should -BeGreaterThan $journaled -Because "round $round's writer edits before it is killed"
            Start-Sleep -Milliseconds $random.Next(0, 500)
            $writer.HasExited | Should -BeFalse -Because "round $round's writer is still editing when it is killed"
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
