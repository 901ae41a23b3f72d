using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using ClipNet.Tests.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Build;

/// <summary>
/// TorchSharp hands numbers to libtorch as native Scalars with finalisers. An implicit conversion
/// (<c>x * 1.702</c>) or one of TorchSharp's shorthands (<c>a + b</c> has a hidden alpha = 1) makes one that
/// nothing references once its handle is read, and a garbage collection started by another thread (a data
/// worker, the live progress display) can free it while libtorch is still reading it: interactive training
/// stopped with "Expected false to be true … Scalar.h" that way. These tests read the compiled code: they
/// work out which TorchSharp methods make such Scalars, and fail, naming the places, if the library calls
/// one, converts a number implicitly, or runs a TorchSharp module whose forward makes one.
/// </summary>
public class ScalarLifetimeTests
{
    static readonly Lazy<HashSet<string>> Hazards = new(() => ScalarMakingMethods(typeof(torch).Assembly.Location));

    [Fact]
    public void TheLibrariesAndCliNeverHandLibtorchAScalarTheyDoNotHold()
    {
        var assemblies = new[] { typeof(Clip), typeof(ClipNet.Training.Trainer), typeof(ClipNet.Cli.CommandRunner), typeof(ClipNet.Search.PhotoIndex) }.Select(t => t.Assembly.Location);
        var offenders = assemblies.SelectMany(UnheldScalarCalls).ToList();
        Assert.True(offenders.Count == 0, "unheld Scalars in: " + string.Join("; ", offenders));
    }

    [Fact]
    public void TheCheckFindsImplicitAndHiddenScalars()
    {
        // This test assembly makes unheld Scalars on purpose, in the method below.
        var offenders = UnheldScalarCalls(typeof(ScalarLifetimeTests).Assembly.Location).Where(o => o.Contains(nameof(MakesUnheldScalars))).ToList();
        Assert.Contains(offenders, o => o.EndsWith("Scalar.op_Implicit(Double)"));
        Assert.Contains(offenders, o => o.EndsWith("Tensor.op_Multiply(Double,Tensor)"));
        Assert.Contains(offenders, o => o.EndsWith("Tensor.op_Addition(Tensor,Tensor)"));
    }

    static Tensor MakesUnheldScalars(Tensor x) => (1.5 * x).add_(x, alpha: 2.0) + x;

    [Fact]
    public void NoTorchSharpModuleThatTheModelsRunMakesScalars()
    {
        var offenders = new SortedSet<string>();
        foreach (var name in new[] { "vit", "rn" })
        {
            using var model = ReferenceModels.Build(name, ScalarType.Float32);
            foreach (var module in model.modules().Where(m => m.GetType().Assembly == typeof(torch).Assembly))
            {
                var forward = module.GetType().GetMethod("forward", [typeof(Tensor)]);
                if (forward is not null && Hazards.Value.Contains($"{forward.DeclaringType!.Name}.forward(Tensor)"))
                    offenders.Add(module.GetType().Name);
            }
        }
        Assert.True(offenders.Count == 0, "TorchSharp modules whose forward makes unheld Scalars: " + string.Join(", ", offenders));
        Assert.Contains("BatchNorm.forward(Tensor)", Hazards.Value);   // why the ResNet has its own BatchNorm2d
    }

    /// <summary>"Type.Method: Callee(parameters)" for each implicit Scalar conversion and each call of a Scalar-making TorchSharp method.</summary>
    static List<string> UnheldScalarCalls(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var metadata = pe.GetMetadataReader();
        var names = new TypeNames(metadata);
        var found = new List<string>();
        foreach (var typeHandle in metadata.TypeDefinitions)
        {
            var type = metadata.GetTypeDefinition(typeHandle);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = metadata.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0) continue;
                foreach (int token in CalledTokens(pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!))
                {
                    // MemberRef tokens (table 0x0A) are calls into other assemblies.
                    if (token >> 24 != 0x0A) continue;
                    var reference = metadata.GetMemberReference(MetadataTokens.MemberReferenceHandle(token & 0xFFFFFF));
                    if (reference.GetKind() != MemberReferenceKind.Method) continue;
                    var parameters = reference.DecodeMethodSignature(names, null).ParameterTypes;
                    string callee = $"{names.Name(reference.Parent)}.{metadata.GetString(reference.Name)}({string.Join(",", parameters)})";
                    bool implicitConversion = callee.StartsWith("Scalar.op_Implicit(") && parameters[0] != "Scalar";
                    if (implicitConversion || Hazards.Value.Contains(callee))
                        found.Add($"{metadata.GetString(type.Name)}.{metadata.GetString(method.Name)}: {callee}");
                }
            }
        }
        return found.Distinct().ToList();
    }

    /// <summary>
    /// TorchSharp's methods that make a Scalar and pass it on without holding it. Producers create one and return it
    /// (ToScalar, the implicit conversions); any other method that calls a producer, or such a method, is a hazard.
    /// </summary>
    static HashSet<string> ScalarMakingMethods(string torchSharpPath)
    {
        using var pe = new PEReader(File.OpenRead(torchSharpPath));
        var metadata = pe.GetMetadataReader();
        var names = new TypeNames(metadata);
        var keys = new Dictionary<MethodDefinitionHandle, string>();
        var returnsScalar = new HashSet<MethodDefinitionHandle>();
        var callees = new Dictionary<MethodDefinitionHandle, List<MethodDefinitionHandle>>();
        var producers = new HashSet<MethodDefinitionHandle>();
        foreach (var typeHandle in metadata.TypeDefinitions)
        {
            var type = metadata.GetTypeDefinition(typeHandle);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = metadata.GetMethodDefinition(methodHandle);
                var signature = method.DecodeSignature(names, null);
                keys[methodHandle] = $"{metadata.GetString(type.Name)}.{metadata.GetString(method.Name)}({string.Join(",", signature.ParameterTypes)})";
                if (signature.ReturnType == "Scalar") returnsScalar.Add(methodHandle);
                var called = callees[methodHandle] = [];
                if (method.RelativeVirtualAddress == 0) continue;
                foreach (int token in CalledTokens(pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!))
                {
                    if (token >> 24 != 0x06) continue;   // MethodDef: a method of TorchSharp itself
                    var callee = MetadataTokens.MethodDefinitionHandle(token & 0xFFFFFF);
                    called.Add(callee);
                    bool constructsScalar = metadata.GetString(metadata.GetMethodDefinition(callee).Name) == ".ctor"
                        && names.Name(metadata.GetMethodDefinition(callee).GetDeclaringType()) == "Scalar";
                    if (constructsScalar && signature.ReturnType == "Scalar") producers.Add(methodHandle);
                }
            }
        }
        Closure(producers, m => returnsScalar.Contains(m) && callees[m].Any(producers.Contains), callees.Keys);
        var hazards = new HashSet<MethodDefinitionHandle>();
        Closure(hazards, m => !producers.Contains(m) && callees[m].Any(c => producers.Contains(c) || hazards.Contains(c)), callees.Keys);
        return hazards.Select(h => keys[h]).ToHashSet();
    }

    static void Closure(HashSet<MethodDefinitionHandle> set, Func<MethodDefinitionHandle, bool> joins, IEnumerable<MethodDefinitionHandle> all)
    {
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var method in all)
                if (!set.Contains(method) && joins(method)) grew |= set.Add(method);
        }
    }

    /// <summary>The method tokens of the call, callvirt and newobj instructions of a method body.</summary>
    static IEnumerable<int> CalledTokens(byte[] il) =>
        IlInstructions.Read(il).Where(i => i.OpCode == OpCodes.Call || i.OpCode == OpCodes.Callvirt || i.OpCode == OpCodes.Newobj)
            .Select(i => BitConverter.ToInt32(il, i.OperandOffset));

    /// <summary>Short type names (Double, Tensor, Scalar …): enough to tell the overloads in question apart.</summary>
    sealed class TypeNames(MetadataReader metadata) : ISignatureTypeProvider<string, object?>
    {
        public string Name(EntityHandle type) => type.Kind switch
        {
            HandleKind.TypeDefinition => metadata.GetString(metadata.GetTypeDefinition((TypeDefinitionHandle)type).Name),
            HandleKind.TypeReference => metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)type).Name),
            _ => "generic",
        };
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Name(handle);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => Name(handle);
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[,]";
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType;
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "method*";
        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) => "generic";
    }
}
