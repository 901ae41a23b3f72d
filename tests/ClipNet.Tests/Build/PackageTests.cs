using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using ClipNet.SafeTensors;
using ClipNet.Tests.Cli;
using ClipNet.Tests.Evaluation;
using Xunit;

namespace ClipNet.Tests.Build;

/// <summary>
/// The solution packed once, as a user or CI would (`dotnet pack ClipNet.sln -c Release -o FEED`), into a temporary
/// local feed. Installs and restores from it run with their own NuGet set-up: a temporary packages folder (so nothing
/// of ours lands in ~/.nuget/packages), the user's packages folder as a read-only fallback (so TorchSharp and libtorch
/// are not downloaded again), the user's sources plus the feed, and the ClipNet packages mapped to the feed alone.
/// Everything is deleted on dispose (about 1.5 GB while the tests run: libtorch is large).
/// </summary>
public sealed class LocalFeed : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("clipnet-package-").FullName;
    public string Feed => Path.Combine(Root, "feed");
    public string NuGetConfig => Path.Combine(Root, "nuget.config");
    string Packages => Path.Combine(Root, "packages");

    /// <summary>The one version of every package, from Directory.Build.props.</summary>
    public string Version { get; } = ReadProjectValue("Directory.Build.props", "Version");

    public LocalFeed()
    {
        var pack = Dotnet(SharedFixtures.RepositoryRoot, TimeSpan.FromMinutes(30), isolated: false, "pack", "ClipNet.sln", "-c", "Release", "-o", Feed);
        if (pack.ExitCode != 0) throw new InvalidOperationException($"dotnet pack failed:\n{pack.Output}\n{pack.Error}");
        WriteNuGetConfig();
    }

    /// <summary>A value of the repository's MSBuild files, e.g. the libtorch package version the CLI bundles.</summary>
    public static string ReadProjectValue(string relativePath, string element, string? include = null)
    {
        var document = XDocument.Load(Path.Combine(SharedFixtures.RepositoryRoot, relativePath));
        return include is null
            ? document.Descendants(element).Single().Value
            : document.Descendants(element).Single(e => (string?)e.Attribute("Include") == include).Attribute("Version")!.Value;
    }

    /// <summary>Runs `dotnet ARGS` in <paramref name="directory"/>; <paramref name="isolated"/> uses the feed's NuGet set-up.</summary>
    public ClipProcess.Result Dotnet(string directory, TimeSpan limit, bool isolated, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        // `dotnet test` hands its MSBuild settings to child processes; a nested build must find its own.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        if (isolated) start.Environment["NUGET_PACKAGES"] = Packages;
        return ClipProcess.Run(start, limit);
    }

    void WriteNuGetConfig()
    {
        // The user's own sources (the registry or its mirror), read from their NuGet.Config.
        string userConfig = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "NuGet", "NuGet.Config");
        var userSources = File.Exists(userConfig)
            ? XDocument.Load(userConfig).Descendants("packageSources").Elements("add").Select(e => new XElement(e)).ToList()
            : [new XElement("add", new XAttribute("key", "nuget.org"), new XAttribute("value", "https://api.nuget.org/v3/index.json"))];
        var config = new XElement("configuration",
            new XElement("packageSources", new XElement("clear"), userSources,
                new XElement("add", new XAttribute("key", "clipnet-feed"), new XAttribute("value", Feed))),
            new XElement("fallbackPackageFolders",
                new XElement("add", new XAttribute("key", "user"), new XAttribute("value", ElfVersionNeedsTests.UserPackagesFolder))),
            // A package called ClipNet on a public registry must never stand in for the one under test.
            new XElement("packageSourceMapping",
                new XElement("packageSource", new XAttribute("key", "clipnet-feed"),
                    new XElement("package", new XAttribute("pattern", "ClipNet")), new XElement("package", new XAttribute("pattern", "ClipNet.*"))),
                userSources.Select(s => new XElement("packageSource", new XAttribute("key", (string)s.Attribute("key")!),
                    new XElement("package", new XAttribute("pattern", "*"))))));
        config.Save(NuGetConfig);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>
/// Issue 14: the packages as users get them. The libraries depend on TorchSharp's managed bindings only; the tool,
/// installed with `dotnet tool install`, bundles the CPU libtorch (patched for Debian 12's libstdc++) and gives the
/// reference embeddings; a fresh console project restores the ClipNet package from the feed and embeds images.
/// </summary>
public class PackageTests(LocalFeed feed) : IClassFixture<LocalFeed>
{
    static readonly string Vit = SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors");
    static readonly string[] Libraries = ["ClipNet", "ClipNet.Training", "ClipNet.Search"];

    static XElement Nuspec(ZipArchive package, string id)
    {
        using var stream = package.GetEntry($"{id}.nuspec")!.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    static XElement? Child(XElement element, string name) => element.Elements().SingleOrDefault(e => e.Name.LocalName == name);

    [Fact]
    public void PackMakesTheLibrariesAndTheToolWithTheirMetadataAndSymbols()
    {
        var ids = Directory.GetFiles(feed.Feed, "*.nupkg").Select(p => Path.GetFileName(p)[..^$".{feed.Version}.nupkg".Length]).ToHashSet();
        Assert.Superset(new HashSet<string> { "ClipNet", "ClipNet.Training", "ClipNet.Cli" }, ids);
        Assert.Subset(new HashSet<string>([.. Libraries, "ClipNet.Cli"]), ids);   // tests and bench are not packages
        foreach (string id in ids)
        {
            Assert.True(File.Exists(Path.Combine(feed.Feed, $"{id}.{feed.Version}.snupkg")), $"{id} has no symbol package");
            using var package = ZipFile.OpenRead(Path.Combine(feed.Feed, $"{id}.{feed.Version}.nupkg"));
            var metadata = Nuspec(package, id);
            Assert.Equal(feed.Version, Child(metadata, "version")!.Value);
            Assert.Equal("MIT", Child(metadata, "license")!.Value);
            Assert.Equal("expression", (string?)Child(metadata, "license")!.Attribute("type"));
            string? description = Child(metadata, "description")?.Value;
            Assert.False(string.IsNullOrWhiteSpace(description) || description == "Package Description", $"{id} has no description of its own");
            Assert.Contains("clip", Child(metadata, "tags")!.Value.Split(' '));
            Assert.Equal("README.md", Child(metadata, "readme")!.Value);
            Assert.NotNull(package.GetEntry("README.md"));

            var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToList();
            // No native libtorch: the application chooses CPU or CUDA.
            Assert.DoesNotContain(dependencies, d => d.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase) || d.StartsWith("TorchSharp-", StringComparison.OrdinalIgnoreCase));
            if (id == "ClipNet") Assert.Contains("TorchSharp", dependencies);
        }

        using (var core = ZipFile.OpenRead(Path.Combine(feed.Feed, $"ClipNet.{feed.Version}.nupkg")))
        {
            Assert.NotNull(core.GetEntry("licenses/LICENSE-openai-clip.md"));
            Assert.NotNull(core.GetEntry("buildTransitive/ClipNet.targets"));
            Assert.NotNull(core.GetEntry("buildTransitive/ElfVersionNeeds.cs"));
        }
        using (var training = ZipFile.OpenRead(Path.Combine(feed.Feed, $"ClipNet.Training.{feed.Version}.nupkg")))
            Assert.NotNull(training.GetEntry("licenses/LICENSE-DejaVu.txt"));

        using var tool = ZipFile.OpenRead(Path.Combine(feed.Feed, $"ClipNet.Cli.{feed.Version}.nupkg"));
        var toolMetadata = Nuspec(tool, "ClipNet.Cli");
        Assert.Equal("DotnetTool", (string?)toolMetadata.Descendants().Single(e => e.Name.LocalName == "packageType").Attribute("name"));
        Assert.DoesNotContain(toolMetadata.Descendants(), e => e.Name.LocalName == "dependency");   // everything is inside
        var entries = tool.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Superset(new HashSet<string> { "licenses/LICENSE-openai-clip.md", "licenses/LICENSE-DejaVu.txt", "licenses/LICENSE-LIBTORCH.txt" }, entries);
        Assert.Contains(entries, e => e.EndsWith("/libtorch_cpu.so"));
        using var settings = tool.Entries.Single(e => e.Name == "DotnetToolSettings.xml").Open();
        Assert.Equal("clip", (string?)XDocument.Load(settings).Descendants("Command").Single().Attribute("Name"));
    }

    [Fact]
    public void TheInstalledToolRunsOnThisSystemAndGivesTheReferenceEmbeddings()
    {
        string tools = Path.Combine(feed.Root, "tools");
        var install = feed.Dotnet(feed.Root, TimeSpan.FromMinutes(15), isolated: true,
            "tool", "install", "--tool-path", tools, "--configfile", feed.NuGetConfig, "ClipNet.Cli", "--version", feed.Version);
        Assert.True(install.ExitCode == 0, install.Output + install.Error);

        // The installed copy of TorchSharp's native library is the Debian 12 fix applied to the shipped one, whatever
        // the packing machine's libstdc++, so it loads on Debian 12 as installed.
        string installed = Directory.GetFiles(Path.Combine(tools, ".store"), "libLibTorchSharp.so", SearchOption.AllDirectories).Single();
        string expectedLibrary = Path.Combine(feed.Root, "libLibTorchSharp.expected.so");
        File.Copy(ElfVersionNeedsTests.OriginalLibrary(), expectedLibrary);
        Assert.Equal(1, ElfVersionNeeds.MarkWeak(expectedLibrary, "GLIBCXX_3.4.32"));
        Assert.True(File.ReadAllBytes(expectedLibrary).AsSpan().SequenceEqual(File.ReadAllBytes(installed)), "the installed libLibTorchSharp.so is not the patched one");

        string clip = Path.Combine(tools, "clip");
        var info = ClipProcess.Run(new ProcessStartInfo(clip) { ArgumentList = { "info", Vit } }, TimeSpan.FromMinutes(3));
        Assert.True(info.ExitCode == 0, info.Error);
        using var config = JsonDocument.Parse(File.ReadAllText(SharedFixtures.Fixture("models", "vit", "config.json")));
        Assert.Contains(config.RootElement.GetProperty("n_parameters").GetInt64().ToString("N0", CultureInfo.InvariantCulture), info.Output);
        Assert.Contains("Vision Transformer", info.Output);

        string output = Path.Combine(feed.Root, "embeddings.safetensors");
        var embed = new ProcessStartInfo(clip) { ArgumentList = { "embed", "--model", Vit, "--out", output, "--truncate" } };
        foreach (string image in ReferencePairs.Images) { embed.ArgumentList.Add("--image"); embed.ArgumentList.Add(image); }
        foreach (string text in ReferencePairs.Captions) { embed.ArgumentList.Add("--text"); embed.ArgumentList.Add(text); }
        var embedded = ClipProcess.Run(embed, TimeSpan.FromMinutes(3));
        Assert.True(embedded.ExitCode == 0, embedded.Error);

        var expected = ReferencePairs.Expected();
        using var file = SafeTensorsFile.Open(output);
        FixtureTensors.AssertClose(expected["image_features_normalized"], file.Load("image_embeds"), 1e-5, 0, "image_embeds");
        FixtureTensors.AssertClose(expected["text_features_normalized"], file.Load("text_embeds"), 1e-5, 0, "text_embeds");
        FixtureTensors.AssertClose(expected["logit_scale_exp"], file.Load("logit_scale").exp(), 1e-4, 1e-4, "exp(logit_scale)");
    }

    [Fact]
    public void AFreshConsoleProjectEmbedsImagesWithTheClipNetPackage()
    {
        string project = Directory.CreateDirectory(Path.Combine(feed.Root, "FreshApp")).FullName;
        File.Copy(feed.NuGetConfig, Path.Combine(project, "nuget.config"));
        string libtorch = LocalFeed.ReadProjectValue(Path.Combine("src", "ClipNet.Cli", "ClipNet.Cli.csproj"), "PackageReference", "libtorch-cpu-linux-x64");
        // What a user writes: a plain console project, no runtime identifier, the library and one native libtorch.
        File.WriteAllText(Path.Combine(project, "FreshApp.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ClipNet" Version="{feed.Version}" />
                <PackageReference Include="libtorch-cpu-linux-x64" Version="{libtorch}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), """
            using System.Globalization;
            using ClipNet;

            using var clip = Clip.Load(args[0]);
            var embeddings = clip.EncodeImages(args[1..]);
            for (int i = 0; i < embeddings.shape[0]; i++)
                Console.WriteLine(string.Join(' ', embeddings[i].data<float>().ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            """);
        string output = Path.Combine(project, "out");
        var build = feed.Dotnet(project, TimeSpan.FromMinutes(15), isolated: true, "build", "-c", "Release", "-o", output);
        Assert.True(build.ExitCode == 0, build.Output + build.Error);

        var start = new ProcessStartInfo("dotnet", [Path.Combine(output, "FreshApp.dll"), Vit, .. ReferencePairs.Images]);
        var run = ClipProcess.Run(start, TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var rows = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        using var embeddings = TorchSharp.torch.tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
        FixtureTensors.AssertClose(ReferencePairs.Expected()["image_features_normalized"], embeddings, 1e-5, 0, "image embeddings of the fresh project");
    }
}
