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

/// <summary>A Python dict or OrderedDict: insertion-ordered, keyed by value (tuples compare by content).</summary>
sealed class PickleDict : IPickleStateful
{
    readonly List<KeyValuePair<object?, object?>> entries = new();
    readonly Dictionary<object, int> index = new(KeyComparer.Instance);
    static readonly object NoneKey = new();

    public IReadOnlyList<KeyValuePair<object?, object?>> Entries => entries;

    public void Set(object? key, object? value)
    {
        if (index.TryGetValue(key ?? NoneKey, out int i)) entries[i] = new(key, value);
        else
        {
            index[key ?? NoneKey] = entries.Count;
            entries.Add(new(key, value));
        }
    }

    public bool TryGetValue(object? key, out object? value)
    {
        bool found = index.TryGetValue(key ?? NoneKey, out int i);
        value = found ? entries[i].Value : null;
        return found;
    }

    // An OrderedDict's state is its instance attributes (a state dict's `_metadata`: per-module version
    // numbers), which loading does not need.
    public void SetState(object? state) { }

    sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new();

        public new bool Equals(object? a, object? b) => (a, b) switch
        {
            (object?[] x, object?[] y) => x.Length == y.Length && x.Zip(y).All(p => Equals(p.First ?? NoneKey, p.Second ?? NoneKey)),
            _ => object.Equals(a, b),
        };

        public int GetHashCode(object o) =>
            o is object?[] items ? items.Aggregate(17, (h, item) => h * 31 + GetHashCode(item ?? NoneKey)) : o.GetHashCode();
    }
}

/// <summary>A Python set or frozenset.</summary>
sealed class PickleSet
{
    public List<object?> Items { get; } = new();
}
