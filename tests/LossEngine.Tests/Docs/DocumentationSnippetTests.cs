using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using CommunityToolkit.HighPerformance;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LossEngine.Tests.Docs;

/// <summary>
/// Every ```csharp block in README.md and docs/*.md is a whole program: it is compiled with Roslyn against the library
/// (warnings are errors) and run in a child process, in a fresh folder that holds the scaling fixtures
/// (pythia-style/), so the documentation cannot drift from the API or stop working.
/// </summary>
public sealed partial class DocumentationSnippetTests
{
    private static readonly string DocsRoot = Path.Combine(AppContext.BaseDirectory, "Documentation");

    /// <summary>The implicit usings of an SDK console project, which the snippets rely on as a user's project does.</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    public static TheoryData<string, int> Snippets()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in DocumentFiles())
        {
            int count = CSharpBlock().Matches(File.ReadAllText(Path.Combine(DocsRoot, file))).Count;
            for (int i = 0; i < count; i++)
            {
                data.Add(file, i);
            }
        }

        return data;
    }

    [Fact]
    public void TheReadMeAndTheLibraryDocsHaveSnippets()
    {
        // Guards the discovery: a renamed folder or a changed fence would otherwise leave the theory with nothing to run.
        Assert.Contains("README.md", DocumentFiles());
        Assert.NotEmpty(CSharpBlock().Matches(File.ReadAllText(Path.Combine(DocsRoot, "README.md"))));
        Assert.True(CSharpBlock().Matches(File.ReadAllText(Path.Combine(DocsRoot, "docs", "library.md"))).Count >= 4);
    }

    [Fact]
    public void ABrokenSnippetFailsToCompile()
    {
        // The compilation below is strict enough to catch a renamed API. The output goes to a folder of this run's own:
        // a shared path would race with a test run beside this one.
        string folder = Directory.CreateTempSubdirectory("lossengine-snippet-").FullName;
        try
        {
            Assert.NotEmpty(Compile("LossEngine.Logits.NoSuchMethod();", Path.Combine(folder, "unused.dll")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void SnippetCompilesAndRuns(string file, int index)
    {
        string code = CSharpBlock().Matches(File.ReadAllText(Path.Combine(DocsRoot, file)))[index].Groups["code"].Value;
        string folder = Directory.CreateTempSubdirectory("lossengine-snippet-").FullName;
        try
        {
            string program = Path.Combine(folder, "Snippet.dll");
            IReadOnlyList<string> errors = Compile(code, program);
            Assert.True(errors.Count == 0, $"{file}, C# block {index + 1}:\n{string.Join("\n", errors)}\n\n{code}");
            if (!File.Exists(DotnetHost()))
            {
                // A self-contained test run (linux-arm64 under qemu) has no dotnet host to start the snippet with; it is
                // compiled here and run by the framework-dependent runs on x64.
                Assert.Skip("compiled only: this self-contained test run has no dotnet host to run the snippet");
            }

            foreach (string dependency in new[] { typeof(Logits).Assembly.Location, typeof(ReadOnlySpan2D<>).Assembly.Location })
            {
                File.Copy(dependency, Path.Combine(folder, Path.GetFileName(dependency)));
            }

            File.WriteAllText(Path.Combine(folder, "Snippet.runtimeconfig.json"), $$"""
                { "runtimeOptions": { "tfm": "net10.0", "framework": { "name": "Microsoft.NETCore.App", "version": "{{Environment.Version}}" } } }
                """);
            CopyFolder(Path.Combine(AppContext.BaseDirectory, "Scaling", "Fixtures", "pythia-style"), Path.Combine(folder, "pythia-style"));

            (int exitCode, string output) = Run(program, folder);
            Assert.True(exitCode == 0, $"{file}, C# block {index + 1} exited with {exitCode}:\n{output}");
            Assert.False(string.IsNullOrWhiteSpace(output), $"{file}, C# block {index + 1} printed nothing");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static List<string> DocumentFiles() =>
        Directory.EnumerateFiles(DocsRoot, "*.md", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(DocsRoot, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static List<string> Compile(string code, string outputPath)
    {
        var options = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);
        SyntaxTree[] trees = [CSharpSyntaxTree.ParseText(ImplicitUsings, options), CSharpSyntaxTree.ParseText(code, options)];
        IEnumerable<MetadataReference> references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal)
                || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(Logits).Assembly.Location)
            .Append(typeof(ReadOnlySpan2D<>).Assembly.Location)
            .Distinct()
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create("Snippet", trees, references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error));
        using var stream = File.Create(outputPath);
        var result = compilation.Emit(stream);
        return result.Diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.ToString())
            .ToList();
    }

    private static (int ExitCode, string Output) Run(string program, string folder)
    {
        var start = new ProcessStartInfo(DotnetHost(), [program])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, output + "\n(timed out after 3 minutes)");
        }

        return (process.ExitCode, output + error.Result);
    }

    /// <summary>The dotnet host that runs this process's runtime: DOTNET_HOST_PATH under the SDK, else the host three
    /// folders above the runtime (shared/Microsoft.NETCore.App/VERSION/).</summary>
    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        string root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        return Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
    }

    private static void CopyFolder(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }
    }

    [GeneratedRegex(@"^```csharp\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
