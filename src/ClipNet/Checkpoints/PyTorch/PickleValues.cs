namespace ClipNet.Checkpoints;

// The Python values the restricted unpickler builds. Plain data maps onto .NET types: None → null,
// bool, int → long (BigInteger beyond 64 bits), float → double, str → string, bytes → byte[],
// tuple → object?[], list → List<object?>, dict → PickleDict, set → PickleSet. Everything else exists
// only because an allow-listed global produced it; the unpickler can call, instantiate or update an
// object only through these interfaces, so nothing outside the allow-list is ever reachable.

/// <summary>A value that stands for an allow-listed global; its name appears in error messages.</summary>
interface IPickleGlobal
{
    string Name { get; }
}

/// <summary>An allow-listed function that REDUCE may call.</summary>
interface IPickleCallable : IPickleGlobal
{
    object? Call(object?[] args);
}

/// <summary>An allow-listed class that NEWOBJ may instantiate.</summary>
interface IPickleClass : IPickleGlobal
{
    object New(object?[] args);
}

/// <summary>An object that BUILD may give state to.</summary>
interface IPickleStateful
{
    void SetState(object? state);
}

/// <summary>A value the pickle is not allowed to produce or use; the unpickler adds the file name.</summary>
sealed class PickleException(string message) : Exception(message);

/// <summary>
/// A Python dict or OrderedDict: insertion-ordered. Keys are strings or ints only: a state dict is keyed by
/// tensor names, TorchScript attributes by attribute names, and an optimizer's state by parameter index.
/// Refusing every other key (tuples above all) is what makes hashing cheap: a tuple key can be a DAG of
/// shared references whose hash takes exponential time, or nested deeply enough to overflow the stack.
/// </summary>
sealed class PickleDict : IPickleStateful
{
    readonly List<KeyValuePair<object?, object?>> entries = new();
    readonly Dictionary<object, int> index = new();

    public IReadOnlyList<KeyValuePair<object?, object?>> Entries => entries;

    public void Set(object? key, object? value)
    {
        if (key is not (string or long))
            throw new PickleException($"refused to unpickle: a dict key that is {KeyDescription(key)}; checkpoint dicts are keyed by strings or ints");
        if (index.TryGetValue(key, out int i)) entries[i] = new(key, value);
        else
        {
            index[key] = entries.Count;
            entries.Add(new(key, value));
        }
    }

    public bool TryGetValue(object? key, out object? value)
    {
        value = key is not null && index.TryGetValue(key, out int i) ? entries[i].Value : null;
        return key is not null && index.ContainsKey(key);
    }

    // An OrderedDict's state is its instance attributes (a state dict's `_metadata`: per-module version
    // numbers), which loading does not need.
    public void SetState(object? state) { }

    static string KeyDescription(object? key) => key switch
    {
        null => "None",
        object?[] => "a tuple",
        List<object?> => "a list",
        PickleDict => "a dict",
        System.Numerics.BigInteger => "an int beyond 64 bits",
        _ => $"a {key.GetType().Name}",
    };
}

/// <summary>A Python set or frozenset.</summary>
sealed class PickleSet
{
    public List<object?> Items { get; } = new();
}
