BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:Sandbox = New-TestSandbox -Market eth
    # The module reads its options when it is imported: import it again in this process with the variables
    # given (null removes one), run the check, then put back the variables, the import and the sandbox.
    function script:AfterImport([hashtable] $Environment, [scriptblock] $Check) {
        try {
            Use-Environment $Environment {
                Import-Module $env:MMOPERATOR_TEST_MODULE -Force -Global
                & $Check
            }
        }
        finally {
            Import-MmTestModule
            $Sandbox | Set-MmOperatorOption
        }
    }
}

AfterAll { Remove-TestSandbox $Sandbox }

Describe 'Defaults and environment variables' {
    It 'follows the runbook host when nothing is set' {
        $options = AfterImport @{
            HOME = '/home/flexouille'; XDG_STATE_HOME = $null; MMOPERATOR_MMCTL = $null; MMOPERATOR_REPO = $null
            MMOPERATOR_PYTHON = $null; MMOPERATOR_AUDIT_LOG = $null; MMOPERATOR_TIMEOUT_SEC = $null
        } { Get-MmOperatorOption }
        $options.MmctlPath | Should -Be '/home/flexouille/bin/mmctl'
        $options.RepoPath | Should -Be '/home/flexouille/Code/MM'
        $options.PythonPath | Should -Be '/home/flexouille/Code/MM/.venv/bin/python'
        $options.AuditLogPath | Should -Be '/home/flexouille/.local/state/mmoperator/audit.jsonl'
        $options.TimeoutSec | Should -BeGreaterThan 30
    }

    It 'reads every MMOPERATOR_ variable at import' {
        $options = AfterImport @{
            HOME = '/home/x'; XDG_STATE_HOME = '/state'; MMOPERATOR_MMCTL = '/opt/mmctl'; MMOPERATOR_REPO = '/srv/MM'
            MMOPERATOR_PYTHON = '/usr/bin/python3'; MMOPERATOR_AUDIT_LOG = '/var/log/audit.jsonl'; MMOPERATOR_TIMEOUT_SEC = '45'
        } { Get-MmOperatorOption }
        "$($options.MmctlPath)|$($options.RepoPath)|$($options.PythonPath)|$($options.AuditLogPath)|$($options.TimeoutSec)" |
            Should -Be '/opt/mmctl|/srv/MM|/usr/bin/python3|/var/log/audit.jsonl|45'
    }

    It 'reads them again on a forced re-import' {
        $repo = AfterImport @{ MMOPERATOR_REPO = '/first' } {
            $env:MMOPERATOR_REPO = '/second'
            Import-Module $env:MMOPERATOR_TEST_MODULE -Force -Global
            (Get-MmOperatorOption).RepoPath
        }
        $repo | Should -Be '/second'
    }

    It 'reads them at import only: a variable set afterwards does not redirect the module' {
        $mmctl = AfterImport @{ HOME = '/home/flexouille'; MMOPERATOR_MMCTL = $null; MMOPERATOR_REPO = $null } {
            $env:MMOPERATOR_MMCTL = '/bin/sh'; $env:MMOPERATOR_REPO = '/tmp'
            (Get-MmOperatorOption).MmctlPath
        }
        $mmctl | Should -Be '/home/flexouille/bin/mmctl'
    }

    It 'refuses a malformed MMOPERATOR_TIMEOUT_SEC with an error naming it' {
        $output = AfterImport @{ MMOPERATOR_TIMEOUT_SEC = 'soon' } { try { Get-MmOperatorOption -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.Exception.Message } }
        $output | Should -Contain 'InvalidOptionValue,MmOperator.Commands.GetMmOperatorOptionCommand'
        ($output -join ' ') | Should -Match 'MMOPERATOR_TIMEOUT_SEC'
    }
}

Describe 'One session, one host' {
    # Options belong to the session that set them: an import in another runspace of the same process
    # (ForEach-Object -Parallel, Start-ThreadJob) once repointed a rehearsal at the real host.
    It 'an import in a parallel runspace or a thread job leaves this session on its sandbox' {
        $module = $env:MMOPERATOR_TEST_MODULE
        $elsewhere = 1 | ForEach-Object -Parallel { Import-Module $using:module; (Get-MmOperatorOption).MmctlPath }
        $job = Start-ThreadJob { Import-Module $using:module; (Get-MmOperatorOption).MmctlPath } | Wait-Job
        $inJob = Receive-Job $job; Remove-Job $job
        (Get-MmOperatorOption).MmctlPath | Should -Be $Sandbox.MmctlPath
        # The other runspaces read the environment and settings file, never this session's choice.
        $elsewhere | Should -Not -Be $Sandbox.MmctlPath
        $inJob | Should -Not -Be $Sandbox.MmctlPath
        $before = Get-InvocationCount $Sandbox
        (Get-MmStatus -Market eth).Market | Should -Be 'ETH-USD'
        Get-InvocationCount $Sandbox | Should -Be ($before + 1)
    }
}

Describe 'Set-MmOperatorOption' {
    BeforeEach { $Sandbox | Set-MmOperatorOption -TimeoutSec 90 }

    It 'takes a sandbox from the pipeline by property name' {
        $options = Get-MmOperatorOption
        $options.MmctlPath | Should -Be $Sandbox.MmctlPath
        $options.RepoPath | Should -Be $Sandbox.RepoPath
        $options.PythonPath | Should -Be $Sandbox.PythonPath
        $options.AuditLogPath | Should -Be $Sandbox.AuditLogPath
    }

    It 'takes any object with those property names, such as a CSV row' {
        [pscustomobject]@{ TimeoutSec = '12' } | Set-MmOperatorOption
        (Get-MmOperatorOption).TimeoutSec | Should -Be 12
    }

    It 'resolves relative paths against the current PowerShell location' {
        Push-Location $Sandbox.Path
        try { Set-MmOperatorOption -MmctlPath ./bin/mmctl } finally { Pop-Location }
        (Get-MmOperatorOption).MmctlPath | Should -Be $Sandbox.MmctlPath
    }

    It 'refuses a timeout outside 1..3600 and keeps the old one' -ForEach 0, 3601 {
        { Set-MmOperatorOption -TimeoutSec $_ -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,MmOperator.Commands.SetMmOperatorOptionCommand'
        (Get-MmOperatorOption).TimeoutSec | Should -Be 90
    }

    It 'changes nothing with -WhatIf' {
        Set-MmOperatorOption -RepoPath /nowhere -WhatIf
        (Get-MmOperatorOption).RepoPath | Should -Be $Sandbox.RepoPath
    }

    It 'returns the options with -PassThru' {
        $result = Set-MmOperatorOption -TimeoutSec 33 -PassThru
        $result.TimeoutSec | Should -Be 33
        $result.PSObject.TypeNames[0] | Should -Be 'MmOperator.OperatorOption'
    }

    It 'warns at once about a path that does not exist' {
        $warnings = Set-MmOperatorOption -MmctlPath /nowhere/mmctl 3>&1
        ($warnings -join ' ') | Should -Match "MmctlPath"
    }
}

Describe 'Broken host pieces stop the command and name the setting' {
    AfterEach { $Sandbox | Set-MmOperatorOption }

    It 'a missing mmctl' {
        Set-MmOperatorOption -MmctlPath (Join-Path $Sandbox.Path 'bin/none') -WarningAction SilentlyContinue
        { Get-MmStatus -ErrorAction Stop } | Should -Throw -ErrorId 'MmctlNotFound,MmOperator.Commands.GetMmStatusCommand' -ExpectedMessage '*Set-MmOperatorOption -MmctlPath*'
    }

    It 'an mmctl that is not executable' {
        $copy = Join-Path $Sandbox.Path 'bin/mmctl-noexec'
        Copy-Item $Sandbox.MmctlPath $copy
        & chmod 0644 $copy
        Set-MmOperatorOption -MmctlPath $copy -WarningAction SilentlyContinue
        { Get-MmStatus -ErrorAction Stop } | Should -Throw -ErrorId 'MmctlNotExecutable,MmOperator.Commands.GetMmStatusCommand'
    }

    It 'a missing repo' {
        Set-MmOperatorOption -RepoPath (Join-Path $Sandbox.Path 'Code/none') -WarningAction SilentlyContinue
        { Get-MmStatus -ErrorAction Stop } | Should -Throw -ErrorId 'RepoNotFound,MmOperator.Commands.GetMmStatusCommand' -ExpectedMessage '*-RepoPath*'
    }

    It 'is terminating even with -ErrorAction SilentlyContinue, and runs nothing' {
        $before = (Get-InvocationCount $Sandbox)
        Set-MmOperatorOption -MmctlPath (Join-Path $Sandbox.Path 'bin/none') -WarningAction SilentlyContinue
        { Get-MmStatus -ErrorAction SilentlyContinue } | Should -Throw
        (Get-InvocationCount $Sandbox) | Should -Be $before
    }
}

Describe 'The environment of host commands' {
    It 'is the allow-list: a person''s own variables never reach mmctl, the ones named in PassEnv do, with the option''s values' {
        $shell = @{ LD_PRELOAD = '/nonexistent/evil.so'; PYTHONPATH = '/tmp/evil'; GCONV_PATH = '/tmp/gconv'; EXTENDED_API_BASE = 'https://evil.example'; HTTPS_PROXY = 'http://shell-proxy:1'; HOME = '/tmp/not-home' }
        $account = & id -un
        $fixed = @{ HOME = (& getent passwd $account).Split(':')[5]; LANG = 'C.UTF-8'; LOGNAME = $account; PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'; USER = $account }
        foreach ($passed in @{}, @{ HTTPS_PROXY = 'http://proxy.desk:3128'; NO_PROXY = 'localhost,127.0.0.1' }) {
            if ($passed.Count) { Set-MmOperatorOption -PassEnv $passed }
            Use-Environment $shell { $null = Get-MmStatus eth }
            $environment = (Get-Invocation $Sandbox | Where-Object tool -eq 'mmctl' | Select-Object -Last 1).env
            $expected = $fixed + $passed
            @($environment.PSObject.Properties.Name | Sort-Object) | Should -Be @($expected.Keys | Sort-Object)
            foreach ($name in $expected.Keys) { $environment.$name | Should -Be $expected[$name] -Because "mmctl's $name" }
        }
        (Get-MmOperatorOption).PassEnv | Should -Be @('HTTPS_PROXY', 'NO_PROXY')
        Set-MmOperatorOption -PassEnv @{}
    }

    It 'refuses a variable that changes how a program loads code, and keeps the passed ones' -ForEach 'LD_PRELOAD', 'PYTHONPATH', 'MMOPERATOR_AGENT', 'MM_SANDBOX_FAULT' {
        { Set-MmOperatorOption -PassEnv @{ $_ = '/tmp/x'; NO_PROXY = 'localhost' } -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidOptionValue,MmOperator.Commands.SetMmOperatorOptionCommand'
        (Get-MmOperatorOption).PassEnv | Should -BeNullOrEmpty
    }
}

Describe 'The settings file' {
    BeforeAll {
        $script:Config = Join-Path $Sandbox.Path 'config'
        $script:Settings = Join-Path $Config 'mmoperator/settings.json'
        # Imports again with XDG_CONFIG_HOME at the sandbox's folder and no MMOPERATOR_ variable but the ones given.
        function script:WithSettings([hashtable] $Environment, [scriptblock] $Check) {
            $variables = @{ XDG_CONFIG_HOME = $Config; MMOPERATOR_MMCTL = $null; MMOPERATOR_REPO = $null; MMOPERATOR_PYTHON = $null; MMOPERATOR_AUDIT_LOG = $null; MMOPERATOR_TIMEOUT_SEC = $null; MMOPERATOR_START_SETTLE_MS = $null }
            foreach ($name in $Environment.Keys) { $variables[$name] = $Environment[$name] }
            AfterImport $variables $Check
        }
    }
    BeforeEach { Remove-Item $Config -Recurse -Force -ErrorAction Ignore }

    It '-Save writes the options given, owner-only in a folder made owner-only, and the next import reads them' {
        $options = WithSettings @{} {
            Set-MmOperatorOption -RepoPath $Sandbox.RepoPath -TimeoutSec 42 -Save -WarningAction SilentlyContinue
            Import-Module $env:MMOPERATOR_TEST_MODULE -Force -Global
            Get-MmOperatorOption
        }
        "$($options.RepoPath)|$($options.TimeoutSec)" | Should -Be "$($Sandbox.RepoPath)|42"
        $options.Source | Should -Be 'default, except RepoPath (settings file), TimeoutSec (settings file)'
        $options.SettingsPath | Should -Be $Settings
        (Get-Content -Raw $Settings | ConvertFrom-Json -AsHashtable).Keys | Sort-Object | Should -Be @('RepoPath', 'TimeoutSec')
        (& stat -c '%a' $Settings (Split-Path $Settings)) | Should -Be @('600', '700')
    }

    It 'environment variables still override it, and the session overrides both' {
        $options = WithSettings @{ MMOPERATOR_TIMEOUT_SEC = '50' } {
            Set-MmOperatorOption -TimeoutSec 42 -RepoPath $Sandbox.RepoPath -Save -WarningAction SilentlyContinue
            Import-Module $env:MMOPERATOR_TEST_MODULE -Force -Global
            Get-MmOperatorOption
            Set-MmOperatorOption -RepoPath $Sandbox.Path -WarningAction SilentlyContinue
            Get-MmOperatorOption
        }
        "$($options[0].TimeoutSec)|$($options[0].RepoPath)" | Should -Be "50|$($Sandbox.RepoPath)"
        $options[0].Source | Should -Be 'default, except RepoPath (settings file), TimeoutSec (environment)'
        $options[1].Source | Should -Be 'default, except RepoPath (session), TimeoutSec (environment)'
    }

    It '-Save writes PassEnv as one object, and the next import passes its values' {
        $options = WithSettings @{} {
            Set-MmOperatorOption -PassEnv @{ HTTPS_PROXY = 'http://proxy.desk:3128' } -Save -WarningAction SilentlyContinue
            Import-Module $env:MMOPERATOR_TEST_MODULE -Force -Global
            Get-MmOperatorOption
        }
        $options.PassEnv | Should -Be 'HTTPS_PROXY'
        $options.Source | Should -Be 'default, except PassEnv (settings file)'
        (Get-Content -Raw $Settings | ConvertFrom-Json).PassEnv.HTTPS_PROXY | Should -Be 'http://proxy.desk:3128'
    }

    It '-Save with -WhatIf writes nothing' {
        WithSettings @{} { Set-MmOperatorOption -TimeoutSec 42 -Save -WhatIf -WarningAction SilentlyContinue 6>$null }
        Test-Path $Config | Should -BeFalse
    }

    It 'a malformed file is a warning naming it, and the defaults; -Save then refuses to overwrite it' {
        $null = New-Item -ItemType Directory (Split-Path $Settings)
        Set-Content $Settings '{ "TimeoutSec": 42,'
        $output = WithSettings @{ HOME = '/home/flexouille' } {
            Get-MmOperatorOption 3>&1
            try { Set-MmOperatorOption -TimeoutSec 43 -Save -ErrorAction Stop -WarningAction SilentlyContinue } catch { $_.FullyQualifiedErrorId }
        }
        $warning = $output | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }
        "$warning" | Should -BeLike "The settings file '$Settings' cannot be read*the defaults are used*"
        ($output | Where-Object { $_ -is [MmOperator.Options.OptionsView] }).TimeoutSec | Should -Be 90
        $output | Should -Contain 'SettingsFileUnusable,MmOperator.Commands.SetMmOperatorOptionCommand'
        Get-Content -Raw $Settings | Should -Match '"TimeoutSec": 42,\s*$'
    }

    It 'an unknown key is a warning that names it without its value' {
        $null = New-Item -ItemType Directory (Split-Path $Settings)
        Set-Content $Settings '{ "TimeoutSec": 42, "ApiSecret": "hunter2" }'
        $output = WithSettings @{} { Get-MmOperatorOption 3>&1 }
        ($output | Where-Object { $_ -is [MmOperator.Options.OptionsView] }).TimeoutSec | Should -Be 42
        "$($output | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })" | Should -Match "'ApiSecret', which is not an option"
        ($output | Out-String) | Should -Not -Match 'hunter2'
        $warnings = WithSettings @{} { foreach ($i in 1, 2) { @(Get-MmAuditLog -Last 1 -ErrorAction SilentlyContinue 3>&1).Where({ $_ -is [System.Management.Automation.WarningRecord] }).Count } }
        $warnings | Should -Be @(1, 0) -Because 'the first command of the session says it, once'
    }
}
