using Microsoft.CodeAnalysis;

namespace BertGen.Generator;

/// <summary>
/// Every diagnostic BertGen reports. Ids are stable: never renumber, only add. Each message names the
/// field and the value at fault; the location is the field in the spec file.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "BertGen";

    public static readonly DiagnosticDescriptor MalformedJson = Error(
        "BG0001", "Malformed spec JSON", "Spec '{0}' is not valid JSON: {1}");

    public static readonly DiagnosticDescriptor MissingField = Error(
        "BG0002", "Missing required field", "Spec '{0}' is missing the required field '{1}'{2}");

    public static readonly DiagnosticDescriptor WrongType = Error(
        "BG0003", "Field has the wrong type", "Field '{0}' must be {1}, but is {2}");

    public static readonly DiagnosticDescriptor ValueOutOfRange = Error(
        "BG0004", "Value out of range", "Field '{0}' has value {1}, but must be {2}");

    public static readonly DiagnosticDescriptor HiddenNotDivisibleByHeads = Error(
        "BG0005", "hidden_size not divisible by num_attention_heads", "Field 'hidden_size' ({0}) is not divisible by 'num_attention_heads' ({1})");

    public static readonly DiagnosticDescriptor SequenceAboveMaxPositions = Error(
        "BG0006", "Sequence length above max_position_embeddings", "Field '{0}' is {1}, above 'max_position_embeddings' ({2})");

    public static readonly DiagnosticDescriptor UnknownActivation = Error(
        "BG0007", "Unknown activation", "Field 'hidden_act' has unknown activation {0}; BertGen supports {1}");

    public static readonly DiagnosticDescriptor UnsupportedValue = Error(
        "BG0008", "Unsupported configuration", "Field '{0}' has value {1}, which BertGen does not support ({2})");

    public static readonly DiagnosticDescriptor DuplicateTypeName = Error(
        "BG0009", "Two specs produce the same type", "Specs '{0}' and '{1}' both produce the type '{2}'{3}; give one of them another 'bertgen.type_name' or 'bertgen.namespace'");

    public static readonly DiagnosticDescriptor UnknownHead = Error(
        "BG0010", "Unknown head", "Field 'bertgen.heads' has unknown head {0}; BertGen supports {1}");

    public static readonly DiagnosticDescriptor InvalidIdentifier = Error(
        "BG0011", "Invalid C# name", "Field '{0}' has value \"{1}\", which is not a valid C# {2}");

    public static readonly DiagnosticDescriptor UnknownBertGenField = Error(
        "BG0012", "Unknown field in the bertgen section", "Field 'bertgen.{0}' is not a BertGen setting; {1}");

    /// <summary>A list entry repeated: a shape, a head or a precision. Each is a set, so a repeat is most likely another entry mistyped.</summary>
    public static readonly DiagnosticDescriptor RepeatedEntry = Error(
        "BG0013", "Entry listed twice", "Field '{0}' lists {1} more than once");

    public static readonly DiagnosticDescriptor InconsistentLabels = Error(
        "BG0014", "Inconsistent labels", "Field '{0}' is inconsistent: {1}");

    public static readonly DiagnosticDescriptor TrainingWithoutHead = Error(
        "BG0015", "Training needs a head", "Field 'bertgen.training' is true, but 'bertgen.heads' is empty: a training step needs a loss; add \"pretraining\", \"masked_lm\" or a fine-tuning head");

    public static readonly DiagnosticDescriptor DuplicateKey = Error(
        "BG0016", "Key repeated in one object", "Field '{0}' appears twice in the same object (first at line {1}); JSON readers disagree on which one counts, so give it once");

    /// <summary>
    /// A warning, not an error: HF configs carry dozens of fields BertGen does not read, so an unknown field is
    /// normal; one that is a letter or two from a field BertGen does read is most likely that field misspelt,
    /// whose default is then used silently. Projects that treat warnings as errors stop on it.
    /// </summary>
    public static readonly DiagnosticDescriptor FieldLooksMisspelt = Warning(
        "BG0017", "Unknown field resembles a known one", "Field '{0}' is not a field BertGen reads; did you mean '{1}'? Without it '{1}' takes its default, {2}");

    public static readonly DiagnosticDescriptor GeneratorFailure = Error(
        "BG0018", "The generator failed", "BertGen failed on spec '{0}': {1}. This is a bug in BertGen; the spec is not at fault unless another diagnostic says so.");

    public static readonly DiagnosticDescriptor UnknownPrecision = Error(
        "BG0019", "Unknown precision", "Field 'bertgen.precisions' has unknown precision {0}; BertGen supports {1}");

    /// <summary>
    /// A warning, not an error: HF builds and trains such a head too (its loss is 0 whatever the model outputs), but a
    /// spec that asks to train one has almost certainly meant another num_labels or problem_type.
    /// </summary>
    public static readonly DiagnosticDescriptor HeadLearnsNothing = Warning(
        "BG0020", "The trained head learns nothing", "Field 'num_labels' is 1 for {0}: a cross-entropy over one class is 0 whatever the model outputs, so training learns nothing; use num_labels 2 or more{1}");

    /// <summary>
    /// A warning, not an error: HF accepts such a config too (only <c>BertForSequenceClassification</c> reads
    /// problem_type), but a spec that sets it has almost certainly meant a head that would read it.
    /// </summary>
    public static readonly DiagnosticDescriptor ProblemTypeUnread = Warning(
        "BG0022", "problem_type has no head to apply to", "Field 'problem_type' is {0}, but only a sequence classification head reads it, and 'bertgen.heads' has none{1}");

    /// <summary>
    /// Two valid specs that cannot both be compiled: one's model is <c>A.Foo</c>, the other's namespace is <c>A.Foo</c> (or
    /// lies in it), and C# cannot declare a type and a namespace of one name (CS0101 in the generated code).
    /// </summary>
    public static readonly DiagnosticDescriptor TypeIsAnotherSpecsNamespace = Error(
        "BG0023", "A spec's type is another spec's namespace",
        "Spec '{0}' produces the type '{1}', and spec '{2}' puts its model in the namespace '{3}'; C# cannot have a type and a namespace of one name, so give one of them another 'bertgen.type_name' or 'bertgen.namespace'");

    /// <summary>
    /// A valid spec whose model the project cannot hold: its code or a referenced assembly already has a type (other than
    /// a partial class adding to the model) or a namespace of the model's full name.
    /// </summary>
    public static readonly DiagnosticDescriptor NameTakenInProject = Error(
        "BG0024", "The project already has the model's name",
        "Spec '{0}' produces the type '{1}', but the project already has {2} of that name{3}; give the spec another 'bertgen.type_name' or 'bertgen.namespace'");

    /// <summary>
    /// A valid spec whose model the project's partial class of it cannot be joined to: that class declares a member the
    /// generated class declares too (CS0102 or CS0111 in the generated code). A method of that name with other parameters
    /// is an overload, and a partial class of a shape's name adds to that shape's pass.
    /// </summary>
    public static readonly DiagnosticDescriptor MemberTakenInProject = Error(
        "BG0025", "The project's partial class declares a generated member",
        "Spec '{0}' generates the member '{1}' of '{2}', which the project's partial class of the model declares too{3}; rename the project's member, or give the spec another 'bertgen.type_name' or 'bertgen.namespace'");

    /// <summary>
    /// A valid spec whose model's namespace holds, in the project or a reference, a type (or namespace) named like a type the
    /// generated code names unqualified (a class <c>Gemm</c>, <c>Vector512</c> or <c>IntPtr</c> beside the model): the
    /// generated usings stand inside that namespace, so the name means the project's type there (CS0576, CS0117 and the like
    /// in the generated code).
    /// </summary>
    public static readonly DiagnosticDescriptor NameShadowedInNamespace = Error(
        "BG0026", "The model's namespace has a type named like one the generated code uses",
        "Spec '{0}' puts its model in the namespace '{1}', where the project already has {2}{3}, a name the generated code uses for another type; rename that, or give the spec another 'bertgen.namespace'");

    /// <summary>
    /// A valid spec whose model the project's partial class of it declares a member named like a type the generated code
    /// names unqualified (a property <c>Gemm</c>, a method <c>Vector512</c>, a nested class <c>Span&lt;T&gt;</c>): inside the
    /// class name lookup finds the member first, so the generated code failed with dozens of CS errors (CS0119, CS0572 and
    /// the like). Reported at the member, one per member.
    /// </summary>
    public static readonly DiagnosticDescriptor MemberHidesGeneratedType = Error(
        "BG0027", "The project's partial class has a member named like a type the generated code uses",
        "The project's partial class of '{0}' (from spec '{1}') declares {2} '{3}': inside the class that name then means the member, not the type '{4}' the generated code names so; rename the member");

    /// <summary>
    /// A warning: the build fails anyway when an unlisted diagnostic is an error, because errors are listed first.
    /// </summary>
    public static readonly DiagnosticDescriptor MoreDiagnostics = Warning(
        "BG0021", "More diagnostics than are listed", "Spec '{0}' has {1} than the {2} listed ({3}); mend those and build again to see the rest");

    /// <summary>
    /// A valid spec whose namespace, or a namespace it lies in, is a type the project has in its code or sees in a referenced
    /// assembly (a class <c>User.Models</c> for a model in <c>User.Models.Bert</c>): C# cannot have a type and a namespace of
    /// one name (CS0101 beside the project's type, CS0435 wherever a referenced one is named).
    /// </summary>
    public static readonly DiagnosticDescriptor NamespaceIsAType = Error(
        "BG0028", "The model's namespace is a type of the project",
        "Spec '{0}' puts its model in the namespace '{1}', but the project already has {2} '{3}'{4}; C# cannot have a type and a namespace of one name, so give the spec another 'bertgen.namespace'");

    /// <summary>
    /// A valid spec whose model the project's partial class of it derives from a class the generated class cannot derive
    /// from: a sealed, static or record class, one less accessible than the model, one without a constructor the generated
    /// constructors can call, one with abstract members left unimplemented, or one with a member named like a member the
    /// generated class declares or a type the generated code names. Reported at the base class in the class's base list.
    /// </summary>
    public static readonly DiagnosticDescriptor BaseClassUnfit = Error(
        "BG0029", "The project's partial class derives from a class the generated class cannot",
        "The project's partial class of '{0}' (from spec '{1}') derives from '{2}', {3}; derive it from another class, or from none");

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);
}
