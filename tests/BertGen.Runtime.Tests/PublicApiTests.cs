using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using BertGen.Runtime;
using Xunit;

namespace BertGen.Runtime.Tests;

/// <summary>
/// The public surface of each package a user references, as a baseline file per assembly under <c>PublicApi/</c>:
/// every public type and member a package user can see, one per line, so any change to the surface is a reviewed diff
/// (BertGen.Text's and BertGen.Training's records included: a positional parameter added to one is a breaking change).
/// In the runtime, types only generated code calls live in <c>BertGen.Runtime.CompilerServices</c>, hidden from
/// IntelliSense (<c>[EditorBrowsable(Never)]</c>); they are listed apart and not counted. To accept a deliberate change,
/// run the tests once with <c>BERTGEN_UPDATE_BASELINES=1</c> and review the diff; CI never writes it.
/// </summary>
public sealed class PublicApiTests
{
    /// <summary>
    /// The most public types a package user sees: a surface small enough to read in a minute. Issue 10 asked for 45;
    /// issue 12 added one, <c>Precision</c> (what a forward pass computes in: users pick it), and issue 11's replicas another,
    /// <c>InProcessReplicas</c> (data-parallel training on threads of one process: users call it). This pins today's count so
    /// the surface cannot grow unnoticed. The rest is in the training loop's
    /// namespaces (runtime/README.md names the candidates); lower it as they consolidate.
    /// </summary>
    private const int MostVisibleTypes = 47;

    private const string UpdateSwitch = "BERTGEN_UPDATE_BASELINES";

    private static readonly Assembly Runtime = typeof(ParameterInfo).Assembly;

    private static Assembly Packaged(string name) => name switch
    {
        "BertGen.Runtime" => Runtime,
        "BertGen.Text" => typeof(BertGen.Text.BertWordPieceTokenizer).Assembly,
        "BertGen.Training" => typeof(BertGen.Training.PretrainingJob).Assembly,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not one of the packaged assemblies"),
    };

    /// <summary>The three packages a user references (BertGen, BertGen.Text, BertGen.Training), by their assemblies.</summary>
    public static TheoryData<string> PackagedAssemblies => new() { "BertGen.Runtime", "BertGen.Text", "BertGen.Training" };

    [Theory]
    [MemberData(nameof(PackagedAssemblies))]
    public void PublicSurfaceMatchesItsBaseline(string assemblyName)
    {
        string listing = Listing(Packaged(assemblyName));
        string path = Path.Combine(RepoRoot(), "tests", "BertGen.Runtime.Tests", "PublicApi", assemblyName + ".txt");
        if (Environment.GetEnvironmentVariable(UpdateSwitch) == "1")
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") is null or "", $"{UpdateSwitch} must not be set in CI: baselines are reviewed, never written there.");
            File.WriteAllText(path, listing);
            return;
        }

        Assert.True(File.Exists(path), $"No API baseline at {path}: run the tests with {UpdateSwitch}=1 and review it.");
        string expected = File.ReadAllText(path).Replace("\r\n", "\n");
        if (expected != listing)
        {
            string[] e = expected.Split('\n'), a = listing.Split('\n');
            string added = string.Join("\n  ", a.Except(e).Take(10)), removed = string.Join("\n  ", e.Except(a).Take(10));
            Assert.Fail($"The public API of {assemblyName} changed. Added:\n  {added}\nRemoved:\n  {removed}\nIf intended, rerun with {UpdateSwitch}=1 and review the diff.");
        }
    }

    [Fact]
    public void APackageUserSeesFewTypes()
    {
        Type[] visible = Runtime.GetExportedTypes().Where(t => !Hidden(t)).ToArray();
        Assert.True(visible.Length <= MostVisibleTypes, $"{visible.Length} visible public types (at most {MostVisibleTypes}): {string.Join(", ", visible.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal))}");
    }

    [Fact]
    public void HiddenTypesAreTheGeneratedCodesNamespaceAndOnlyIt()
    {
        foreach (Type type in Runtime.GetExportedTypes().Where(t => t.DeclaringType is null))
        {
            bool inCompilerServices = type.Namespace == "BertGen.Runtime.CompilerServices";
            Assert.True(Hidden(type) == inCompilerServices, $"{type.FullName}: hidden types are exactly those of BertGen.Runtime.CompilerServices");
        }
    }

    private static bool Hidden(Type type) =>
        type.GetCustomAttribute<EditorBrowsableAttribute>()?.State == EditorBrowsableState.Never
        || (type.DeclaringType is { } outer && Hidden(outer));

    private static string Listing(Assembly assembly)
    {
        Type[] types = assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal).ToArray();
        var sb = new StringBuilder();
        sb.Append($"// The public API of {assembly.GetName().Name}: {types.Count(t => !Hidden(t))} types a package user sees, ");
        sb.Append($"{types.Count(Hidden)} hidden ones generated code calls.\n");
        foreach (bool hidden in new[] { false, true })
        {
            foreach (IGrouping<string?, Type> ns in types.Where(t => Hidden(t) == hidden).GroupBy(t => t.Namespace))
            {
                sb.Append('\n').Append(hidden ? "[EditorBrowsable(Never)] " : string.Empty).Append("namespace ").Append(ns.Key).Append('\n');
                foreach (Type type in ns)
                {
                    sb.Append("  ").Append(Declaration(type)).Append('\n');
                    foreach (string member in Members(type))
                    {
                        sb.Append("    ").Append(member).Append('\n');
                    }
                }
            }
        }

        return sb.ToString();
    }

    private static string Declaration(Type type)
    {
        string kind = type.IsEnum ? "enum"
            : type.IsInterface ? "interface"
            : type.IsValueType ? (type.GetCustomAttribute<IsReadOnlyAttribute>() is not null ? "readonly struct" : "struct")
            : type.IsAbstract && type.IsSealed ? "static class"
            : type.IsSealed ? "sealed class"
            : type.IsAbstract ? "abstract class"
            : "class";
        var bases = new List<string>();
        if (!type.IsEnum && !type.IsValueType && type.BaseType is { } baseType && baseType != typeof(object))
        {
            bases.Add(Name(baseType));
        }

        bases.AddRange(type.GetInterfaces().Where(i => !i.IsGenericType || i.GetGenericTypeDefinition() != typeof(IEquatable<>)).Select(i => Name(i)).OrderBy(n => n, StringComparer.Ordinal));
        return $"{kind} {Name(type)}{(bases.Count > 0 ? " : " + string.Join(", ", bases) : string.Empty)}";
    }

    private static IEnumerable<string> Members(Type type)
    {
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var nullability = new NullabilityInfoContext();
        if (type.IsEnum)
        {
            return Enum.GetNames(type);
        }

        string[] objectMembers = { "Equals", "GetHashCode", "ToString", "<Clone>$", "op_Equality", "op_Inequality", "PrintMembers", "Deconstruct" };
        var lines = new List<string>();
        foreach (ConstructorInfo c in type.GetConstructors(Declared).Where(c => !IsCopyConstructor(c, type)))
        {
            lines.Add($"{(c.IsStatic ? "static " : string.Empty)}{Name(type)}({Parameters(c, nullability)})");
        }

        foreach (FieldInfo f in type.GetFields(Declared))
        {
            string modifiers = f.IsLiteral ? "const " : f.IsStatic ? "static readonly " : f.IsInitOnly ? "readonly " : string.Empty;
            lines.Add($"{modifiers}{Name(f.FieldType, nullability.Create(f))} {f.Name}");
        }

        foreach (PropertyInfo p in type.GetProperties(Declared))
        {
            MethodInfo? setter = p.SetMethod is { IsPublic: true } s ? s : null;
            bool init = setter?.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)) == true;
            string accessors = "get;" + (setter is null ? string.Empty : init ? " init;" : " set;");
            string isStatic = (p.GetMethod ?? p.SetMethod)!.IsStatic ? "static " : string.Empty;
            lines.Add($"{isStatic}{Name(p.PropertyType, nullability.Create(p))} {p.Name} {{ {accessors} }}");
        }

        foreach (EventInfo e in type.GetEvents(Declared))
        {
            lines.Add($"event {Name(e.EventHandlerType!)} {e.Name}");
        }

        foreach (MethodInfo m in type.GetMethods(Declared).Where(m => !m.IsSpecialName || m.Name.StartsWith("op_", StringComparison.Ordinal)))
        {
            if (objectMembers.Contains(m.Name) || m.Name.StartsWith('<') || m.GetCustomAttribute<CompilerGeneratedAttribute>() is not null)
            {
                continue;
            }

            string generic = m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty;
            lines.Add($"{(m.IsStatic ? "static " : string.Empty)}{Name(m.ReturnType, nullability.Create(m.ReturnParameter))} {m.Name}{generic}({Parameters(m, nullability)})");
        }

        foreach (Type nested in type.GetNestedTypes(BindingFlags.Public))
        {
            lines.Add("nested " + Declaration(nested));
        }

        return lines.OrderBy(l => l, StringComparer.Ordinal);
    }

    // A record's protected copy constructor is compiler plumbing, like <Clone>$.
    private static bool IsCopyConstructor(ConstructorInfo c, Type type) =>
        c.GetParameters() is [{ } only] && only.ParameterType == type && type.GetMethod("<Clone>$") is not null;

    private static string Parameters(MethodBase method, NullabilityInfoContext nullability) =>
        string.Join(", ", method.GetParameters().Select(p =>
        {
            string modifier = p.IsIn ? "in " : p.IsOut ? "out " : p.ParameterType.IsByRef ? "ref " : string.Empty;
            Type type = p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType;
            string defaultValue = p.HasDefaultValue ? " = " + (p.DefaultValue is null ? "null" : p.DefaultValue is bool b ? (b ? "true" : "false") : Convert.ToString(p.DefaultValue, System.Globalization.CultureInfo.InvariantCulture)) : string.Empty;
            return $"{modifier}{Name(type, nullability.Create(p))} {p.Name}{defaultValue}";
        }));

    private static string Name(Type type, NullabilityInfo? nullability = null)
    {
        string name = type switch
        {
            _ when type == typeof(void) => "void",
            _ when type == typeof(int) => "int",
            _ when type == typeof(long) => "long",
            _ when type == typeof(uint) => "uint",
            _ when type == typeof(ulong) => "ulong",
            _ when type == typeof(float) => "float",
            _ when type == typeof(double) => "double",
            _ when type == typeof(bool) => "bool",
            _ when type == typeof(byte) => "byte",
            _ when type == typeof(string) => "string",
            _ when type == typeof(object) => "object",
            _ when type == typeof(nint) => "nint",
            _ when type.IsPointer => Name(type.GetElementType()!) + "*",
            _ when type.IsFunctionPointer =>
                "delegate*<" + string.Join(", ", type.GetFunctionPointerParameterTypes().Append(type.GetFunctionPointerReturnType()).Select(t => Name(t))) + ">",
            _ when type.IsArray => Name(type.GetElementType()!, nullability?.ElementType) + "[]",
            _ when Nullable.GetUnderlyingType(type) is { } inner => Name(inner) + "?",
            _ when type.IsGenericType && type.FullName?.StartsWith("System.ValueTuple", StringComparison.Ordinal) == true =>
                "(" + string.Join(", ", type.GetGenericArguments().Select((a, i) => Name(a, nullability?.GenericTypeArguments.ElementAtOrDefault(i)))) + ")",
            _ when type.IsGenericType =>
                type.Name.Substring(0, type.Name.IndexOf('`')) + "<" +
                string.Join(", ", type.GetGenericArguments().Select((a, i) => Name(a, nullability?.GenericTypeArguments.ElementAtOrDefault(i)))) + ">",
            _ => type.Name,
        };
        return !type.IsValueType && nullability?.ReadState == NullabilityState.Nullable ? name + "?" : name;
    }

    private static string RepoRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "BertGen.sln")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException("BertGen.sln not found above " + AppContext.BaseDirectory);
    }
}
