using System.Reflection;
using System.Reflection.Emit;
using System.Xml.Linq;
using Xunit;

namespace ClipNet.Tests.Build;

/// <summary>
/// Layers point one way (docs/ARCHITECTURE.md). These tests read the compiled assemblies: every type, its fields,
/// signatures and the members its method bodies use. Namespaces are grouped into areas (ClipNet.Model,
/// ClipNet.Checkpoints, …, sub-folders share their area's namespace); the facade namespace ClipNet holds Clip and
/// ClipNetException, and using ClipNetException — the error type every layer throws — does not count as depending
/// on the facade.
/// </summary>
public class LayeringTests
{
    static readonly Assembly Core = typeof(Clip).Assembly;
    static readonly Assembly TrainingAndEvaluation = typeof(ClipNet.Training.Trainer).Assembly;
    static readonly Assembly Search = typeof(ClipNet.Search.PhotoIndex).Assembly;
    static readonly string[] NotInTheCore = ["ClipNet.Training", "ClipNet.Evaluation", "ClipNet.Reporting", "ClipNet.Search"];

    [Fact]
    public void TheCoreUsesNoTrainingEvaluationReportingOrSearchNamespace()
    {
        var offenders = Dependencies(Core)
            .Where(d => NotInTheCore.Contains(Area(d.To.Namespace!)))
            .Select(d => $"{d.From.FullName} → {d.To.FullName}").Distinct().ToList();
        Assert.True(offenders.Count == 0, "the core uses: " + string.Join("; ", offenders));
    }

    [Fact]
    public void TheCoreReferencesNeitherPlottingNorANativeBackend()
    {
        var referenced = Core.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(referenced, name => name.StartsWith("ScottPlot") || name.StartsWith("ClipNet.Training"));
        var packages = XDocument.Load(Path.Combine(SharedFixtures.RepositoryRoot, "src", "ClipNet", "ClipNet.csproj"))
            .Descendants("PackageReference").Select(p => (string)p.Attribute("Include")!).ToList();
        Assert.Contains("TorchSharp", packages);
        Assert.DoesNotContain(packages, p => p.StartsWith("ScottPlot") || p.StartsWith("libtorch"));
        Assert.DoesNotContain(Core.GetManifestResourceNames(), r => r.EndsWith(".ttf"));
    }

    [Fact]
    public void NoTwoAreasDependOnEachOther()
    {
        var edges = new[] { Core, TrainingAndEvaluation, Search }.SelectMany(Dependencies)
            .Select(d => (From: Area(d.From.Namespace!), To: Area(d.To.Namespace!)))
            .Where(e => e.From != e.To).Distinct()
            .GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).ToList());
        Assert.Contains("ClipNet.Model", edges["ClipNet.Checkpoints"]);   // the graph is really read
        var cycle = FindCycle(edges);
        Assert.True(cycle is null, "areas in a cycle: " + string.Join(" → ", cycle ?? []));
    }

    [Fact]
    public void TheCycleSearchFindsACycle()
    {
        var edges = new Dictionary<string, List<string>> { ["a"] = ["b"], ["b"] = ["c"], ["c"] = ["a"], ["d"] = ["a"] };
        Assert.Equal(["a", "b", "c", "a"], FindCycle(edges));
        Assert.Null(FindCycle(new Dictionary<string, List<string>> { ["a"] = ["b"], ["b"] = ["c"], ["d"] = ["c"] }));
    }

    static string Area(string ns) => string.Join('.', ns.Split('.').Take(2));

    static List<string>? FindCycle(Dictionary<string, List<string>> edges)
    {
        var state = new Dictionary<string, int>();   // 1: on the current path, 2: finished
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1; path.Add(node);
            foreach (var next in edges.GetValueOrDefault(node) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1) return [.. path.Skip(path.IndexOf(next)), next];
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found) return found;
            }
            state[node] = 2; path.RemoveAt(path.Count - 1);
            return null;
        }
        foreach (var node in edges.Keys.Order())
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle) return cycle;
        return null;
    }

    /// <summary>Every (type, used type) pair of an assembly where the used type is ClipNet's own, ClipNetException left out.</summary>
    static IEnumerable<(Type From, Type To)> Dependencies(Assembly assembly)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes().Where(t => t.Namespace?.StartsWith("ClipNet") == true))
        {
            var used = new List<Type>();
            if (type.BaseType is { } baseType) used.Add(baseType);
            used.AddRange(type.GetInterfaces());
            used.AddRange(type.GetFields(all).Select(f => f.FieldType));
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method is MethodInfo info) used.Add(info.ReturnType);
                used.AddRange(method.GetParameters().Select(p => p.ParameterType));
                used.AddRange(TypesUsedBy(method));
            }
            foreach (var to in used.SelectMany(Flatten).Distinct())
                if (to.Namespace?.StartsWith("ClipNet") == true && to != typeof(ClipNetException) && !to.IsGenericParameter)
                    yield return (type, to);
        }
    }

    static IEnumerable<Type> Flatten(Type type)
    {
        if (type.HasElementType) { foreach (var t in Flatten(type.GetElementType()!)) yield return t; yield break; }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            yield return type.GetGenericTypeDefinition();
            foreach (var t in type.GetGenericArguments().SelectMany(Flatten)) yield return t;
            yield break;
        }
        yield return type;
    }

    /// <summary>The types whose members or tokens a method body uses.</summary>
    static IEnumerable<Type> TypesUsedBy(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        Type[]? typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        foreach (var (opcode, operand) in IlInstructions.Read(il))
        {
            if (opcode.OperandType is not (OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)) continue;
            MemberInfo? member = null;
            try { member = method.Module.ResolveMember(BitConverter.ToInt32(il, operand), typeArguments, methodArguments); }
            catch (ArgumentException) { }
            if (member is Type t) yield return t;
            else if (member?.DeclaringType is { } declaring) yield return declaring;
        }
    }
}
