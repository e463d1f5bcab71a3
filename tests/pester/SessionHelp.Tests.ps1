# Help inside the agent's restricted session (MmOperator.pssc): usable, and unable to start a process. A fake
# xdg-open first on PATH leaves a mark if anything tries to open a browser. The first case runs a real
# pwsh -ConfigurationFile; the others the same session configuration in a runspace of this process.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModuleFolder = Split-Path $env:MMOPERATOR_TEST_MODULE
    $script:FakeBin = Join-Path $TestDrive 'bin'
    $script:Mark = Join-Path $TestDrive 'browser-started'
    $null = New-Item -ItemType Directory $FakeBin
    Set-Content (Join-Path $FakeBin 'xdg-open') "#!/bin/sh`ntouch '$Mark'"
    chmod +x (Join-Path $FakeBin 'xdg-open')
    $script:Session = @{ PSModulePath = (Split-Path $ModuleFolder); PATH = "$FakeBin$([IO.Path]::PathSeparator)$env:PATH"; BROWSER = $null }
    $script:SessionState = [System.Management.Automation.Runspaces.InitialSessionState]::CreateFromSessionConfigurationFile((Join-Path $ModuleFolder 'MmOperator.pssc'))
    function script:InSession([string] $Command, [switch] $Process) {
        if (-not $Process) { return (Invoke-InRestrictedRunspace $SessionState $Command $Session).Text }
        Use-Environment $Session {
            ((& dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -ConfigurationFile (Join-Path $ModuleFolder 'MmOperator.pssc') -Command $Command 2>&1) | ForEach-Object { "$_" }) -join "`n"
        }
    }
}

Describe 'Help in the restricted session' {
    It 'shows the about topic and the cmdlets'' help' {
        $text = InSession 'Get-Help about_MmOperator; Get-Help Get-MmStatus -Examples | Out-String -Width 120; $ExecutionContext.SessionState.LanguageMode' -Process
        $text | Should -Match 'about_MmOperator'
        $text | Should -Match 'SHORT DESCRIPTION'
        $text | Should -Match 'Get-MmStatus'
        $text | Should -Match 'ConstrainedLanguage'
        $text | Should -Not -Match 'Cannot find a provider'
    }

    It 'cannot open a browser, through the visible Get-Help or the real one by its module-qualified name' {
        $text = InSession 'Get-Help Where-Object -Online; Microsoft.PowerShell.Core\Get-Help Where-Object -Online; Get-Help Get-MmStatus -Online'
        $text | Should -Match "parameter name 'Online'"
        $text | Should -Match 'not recognized'
        Test-Path $Mark | Should -BeFalse
    }

    It 'shows no command with a parameter that opens a window or a browser' {
        $text = InSession '@(Get-Command | Where-Object { $_.Parameters -and ($_.Parameters.Keys -contains "Online" -or $_.Parameters.Keys -contains "ShowWindow") }).Count'
        $text.Trim() | Should -Be '0'
    }

    It 'reaches no provider, so ${/path} reads no file' {
        $text = InSession '${/etc/hostname}'
        $text | Should -Not -Match ([regex]::Escape((Get-Content /etc/hostname -Raw).Trim()))
    }
}
