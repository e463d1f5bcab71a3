# The module as a package: published to a local folder repository, installed into a temporary
# module path by Install-PSResource in a fresh pwsh, and imported from there.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:FakeHome = New-Item -ItemType Directory (Join-Path $TestDrive 'home')
    # A home of its own, so no repository or module reaches the machine's. .NET gives an empty path for
    # a special folder that does not exist yet, so they are made first; Install-PSResource uses ~/.local/share.
    $script:Isolated = @{ HOME = $FakeHome.FullName; PSModulePath = $null; XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null; XDG_CACHE_HOME = $null }
    foreach ($folder in '.local/share', '.config', '.cache') { $null = New-Item -ItemType Directory (Join-Path $FakeHome $folder) }
}

Describe 'Packaging' {
    It 'publishes a .nupkg that Install-PSResource installs and that imports in a fresh pwsh' {
        $repo = Join-Path $TestDrive 'repo'
        $publish = Invoke-FreshPwsh "& '$PSScriptRoot/../../tools/Publish-Package.ps1' -ModulePath '$(Split-Path $env:MMOPERATOR_TEST_MODULE)' -OutputPath '$repo'" -Environment $Isolated
        $publish.ExitCode | Should -Be 0
        $version = (Import-PowerShellDataFile $env:MMOPERATOR_TEST_MODULE).ModuleVersion
        Join-Path $repo "MmOperator.$version.nupkg" | Should -Exist

        # Installed, then imported from where it was installed (a process that had not loaded it before).
        $import = Invoke-FreshPwsh "Register-PSResourceRepository -Name Local -Uri '$repo' -Trusted; Install-PSResource MmOperator -Repository Local -Scope CurrentUser -TrustRepository -ErrorAction Stop; (Get-Module -ListAvailable MmOperator).ModuleBase; Import-Module MmOperator -ErrorAction Stop; (Get-Module MmOperator).Version.ToString(); @(Get-Command -Module MmOperator).Count; (Get-Help Get-MmStatus).Synopsis; (Test-Path (Join-Path (Get-Module MmOperator).ModuleBase 'MmOperator.pssc')) -and ((Get-Item (Join-Path (Get-Module MmOperator).ModuleBase 'bin/mm-operator')).UnixFileMode -match 'UserExecute')" -Environment $Isolated
        $import.ExitCode | Should -Be 0 -Because ($import.Output -join "`n")
        $import.Output[-5] | Should -BeLike "$($FakeHome.FullName)*"
        $import.Output[-4] | Should -Be $version
        $import.Output[-3] | Should -Be (Import-PowerShellDataFile $env:MMOPERATOR_TEST_MODULE).CmdletsToExport.Count
        $import.Output[-2] | Should -Be 'Shows the bot instances as mmctl status reports them.'
        $import.Output[-1] | Should -Be 'True'
    }
}
